"""Pulumi ComponentResources: one concern per module, composed by `platform.Platform`.

Components receive typed, validated objects (`estaleiro.config`) and never read files.
Every component of one environment shares the name `<prefix>-<env>`; children are named
`<that>-<role>`, which is also the cloud resource's own name where the API allows it.
"""
