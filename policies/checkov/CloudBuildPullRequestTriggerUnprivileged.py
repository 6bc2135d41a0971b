from collections.abc import Iterator
from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

# Grants in the same plan that make an account privileged: any project role, or acting as another account.
PROJECT_GRANTS = ("google_project_iam_member", "google_project_iam_binding", "google_project_iam_policy")
ACCOUNT_GRANTS = ("google_service_account_iam_member", "google_service_account_iam_binding")
ACTS_AS = ("roles/iam.serviceAccountUser", "roles/iam.serviceAccountTokenCreator", "roles/iam.workloadIdentityUser")


class CloudBuildPullRequestTriggerUnprivileged(BaseResourceCheck):
    """A pull request's build runs code nobody has reviewed yet: its account must hold no project role.

    The trigger names its account; the grants are other resources of the same plan, which checkov's
    resource graph (`self.graph`, every planned resource with its values) holds. Unset, the trigger
    runs as Cloud Build's default account, which has project roles. Grants made outside the plan
    (folder, organisation) are beyond what a plan can show. Push triggers are not judged here.
    """

    def __init__(self) -> None:
        super().__init__(
            name="Ensure pull-request build triggers run as an account with no project role that acts as no other",
            id="CKV_EST_8",
            categories=[CheckCategories.IAM],
            supported_resources=["google_cloudbuild_trigger"],
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        events = [*(conf.get("github") or []), *(conf.get("repository_event_config") or [])]
        if not any(isinstance(event, dict) and event.get("pull_request") for event in events):
            return CheckResult.UNKNOWN
        account = (conf.get("service_account") or [None])[0]
        if not account:
            return CheckResult.FAILED
        if self.graph is None:  # no graph, no way to know: never a pass
            self.details.append("checkov built no resource graph for this plan")
            return CheckResult.FAILED
        member = "serviceAccount:" + str(account).rsplit("/", 1)[-1]
        privileges = list(self._privileges(member))
        self.details.extend(f"{member} is granted by {address}" for address in privileges)
        return CheckResult.FAILED if privileges else CheckResult.PASSED

    def _privileges(self, member: str) -> Iterator[str]:
        """Grants to `member` among the resources of the plan file being scanned."""
        scanned_file = self.entity_path.split(":", 1)[0]
        for _, resource in self.graph.nodes():
            kind = resource.get("resource_type")
            if not str(resource.get("file_path_", "")).endswith(scanned_file) or kind not in (
                *PROJECT_GRANTS,
                *ACCOUNT_GRANTS,
            ):
                continue
            members = [resource.get("member"), *(resource.get("members") or [])]
            holds = member in members or member in str(resource.get("policy_data", ""))
            if holds and (kind in PROJECT_GRANTS or resource.get("role") in ACTS_AS):
                yield resource.get("__address__")


check = CloudBuildPullRequestTriggerUnprivileged()
