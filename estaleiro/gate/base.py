"""The base of a change: the repository at the base ref, as one stack's rules see it.

In CI the base is the merge base with the target branch (`check --base origin/main`);
locally, and for the commands that edit manifests, it is `HEAD`. It is read from a copy of
that commit's tree (`git archive`) by the same loader as the working tree. With `--base`, that
copy is also what judges: its `estaleiro/`, `policies/` and waivers, never the pull request's.
A stack's past comes from git, read from the commits reachable from the base commit only: what
was merged, never what the pull request adds to its own branch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType

from estaleiro import git, layout
from estaleiro.config.data_file import parse_document
from estaleiro.config.environment import Environment, Model, load_environment
from estaleiro.errors import InvalidInput


@dataclass(frozen=True)
class BaseTree:
    """A base ref and where its files were extracted; no path when the repository has no commit yet.

    `judges`: the tree's own code, rules and waivers judge the change (`check --base`); else the
    working tree's do (a local check, and the commands that edit manifests). `repository` and
    `commit`: the git repository and the base commit whose history the rules read (none: no history).
    """

    ref: str
    path: Path | None
    judges: bool = False
    repository: Path | None = None
    commit: str | None = None

    def environment(self, stack: str | None) -> Environment | None:
        """`stack` as it was at the ref; None when it did not exist there (a stack the change adds)."""
        if stack is None or self.path is None or not (self.path / layout.stack_folder(stack)).is_dir():
            return None
        try:
            return load_environment(self.path, stack)
        except InvalidInput as err:
            raise InvalidInput([replace(p, file=f"{self.ref}:{p.file}") for p in err.problems]) from None

    def text(self, relative: str) -> str:
        """A file as it was at the ref (one the tree's environments were loaded from)."""
        if self.path is None:
            raise FileNotFoundError(f"{relative}: the repository has no commit yet")
        return (self.path / relative).read_text(encoding="utf-8")

    def declared(self, stack: str, model: str) -> tuple[Declared, ...]:
        """Every version `model`'s manifest in `stack` declared at a commit reachable from the base, newest first.

        Read leniently (only `versions.<key>.artifactUri` and `image`): a commit the schema of today
        would refuse still declared what it declared.
        """
        if self.repository is None or self.commit is None:
            return ()
        relative = layout.manifest_file(stack, model)
        found = []
        for commit, content in git.history(self.repository, relative, self.commit):
            try:
                versions = parse_document(content.decode("utf-8"), f"{relative} at {commit[:12]}").data["versions"]
            except (InvalidInput, UnicodeDecodeError, TypeError, KeyError):
                continue
            for version, spec in versions.items() if isinstance(versions, dict) else ():
                if isinstance(spec, dict):
                    found.append(Declared(commit, str(version), str(spec.get("artifactUri")), str(spec.get("image"))))
        return tuple(found)


@dataclass(frozen=True)
class Declared:
    """A version as one commit of a stack's history declared it."""

    commit: str
    version: str
    artifact_uri: str
    image: str


@dataclass(frozen=True)
class Base:
    """One stack and its upstream (the stack its `estaleiro:promotion.from` names) at the base ref."""

    ref: str
    stack: Environment | None  # None: the change adds this stack (`env clone`)
    upstream: Environment | None  # None: no upstream, or it did not exist at the ref
    history: Mapping[str, tuple[Declared, ...]] = field(default_factory=lambda: MappingProxyType({}))  # by model

    def model(self, name: str) -> Model | None:
        return self.stack.model(name) if self.stack else None

    def upstream_model(self, name: str) -> Model | None:
        return self.upstream.model(name) if self.upstream else None


def load_base(tree: BaseTree, head: Environment) -> Base:
    """The base `head` is judged against; its upstream is the one `head` names, as it was at the ref."""
    upstream = head.config.promotion.from_stack
    history = MappingProxyType({m.name: tree.declared(head.name, m.name) for m in head.models})
    return Base(tree.ref, tree.environment(head.name), tree.environment(upstream), history)
