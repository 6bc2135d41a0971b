"""Pulumi ComponentResources: one concern per module, composed by `platform.Platform`.

Components receive typed, validated objects (`estaleiro.config`) and never read files.
Every component of one environment shares the name `<prefix>-<env>`; children are named
`<that>-<role>`. Cloud-side names are explicit, never Pulumi's random suffixes
(`estaleiro.naming`):

- `<prefix>-<env>-<role>` (`global_name`) for names that are global or travel between
  projects: buckets (`acme-ml-dev-models`), Artifact Registry repositories (their id is in
  every image and template URL), Vertex endpoints, Cloud Build triggers;
- `<env>-<role>` (`project_name`) for ids that only need to be unique in the stack's own
  project and have tight length limits: service accounts (`dev-pipeline-runner`, at most
  30 characters), the KMS key ring (`dev-keys`, its keys named by purpose), the Workload
  Identity pool (`dev-ci`, provider `github`).
"""
