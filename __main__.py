"""The Pulumi program: `pulumi up --stack <env> --config-file stacks/<env>/Pulumi.<env>.yaml`.

Loads and validates `stacks/<env>/` once, then builds that environment's platform.
"""

from pathlib import Path

import pulumi

from components.platform import Platform
from estaleiro.config.environment import load_environment

env = load_environment(Path(__file__).resolve().parent, pulumi.get_stack())
platform = Platform(f"{env.config.prefix}-{env.name}", env)
for key, value in platform.outputs.items():
    pulumi.export(key, value)
