// Every recipe on the PostgreSQL example tables: applied by `recipes init` and built.

import { recipeBuildTests } from "../support/recipe-builds.ts";

recipeBuildTests("postgres");
