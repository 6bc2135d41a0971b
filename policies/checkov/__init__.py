"""Custom checkov checks (ids CKV_EST_*), one per file, loaded with --external-checks-dir.

They run inside checkov's own virtualenv (.tools/checkov), never imported by Estaleiro.
What checkov already covers is left to its built-ins (Vertex endpoint CMEK: CKV2_GCP_24,
private endpoints: CKV2_GCP_33, KMS rotation: CKV_GCP_43, basic roles: CKV_GCP_117, ...).
"""
