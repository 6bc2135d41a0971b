"""Who may do what: the access model of a stack, built from its plan, judged against what each identity needs."""
