"""checkov on a Pulumi program: the plan as Terraform-plan JSON, checkov as a tool of its own."""
