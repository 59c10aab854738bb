// Every recipe on the MariaDB example tables: applied by `recipes init` and built.

import { recipeBuildTests } from "../support/recipe-builds.ts";

recipeBuildTests("mysql");
