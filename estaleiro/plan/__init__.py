"""The offline plan: the resource graph a Pulumi program would register."""
