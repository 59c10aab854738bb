// A problem with a selection: which field (the selection's own path, e.g. "patch.status"), what is
// wrong, and how to fix it. Init maps the field to its flag; the wizard to its step.

export interface SelectionProblem {
  field: string;
  message: string;
  fix: string;
}

export type Problems = SelectionProblem[];
