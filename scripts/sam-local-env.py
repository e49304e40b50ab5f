"""Prints, as JSON, the environment each function of template.yaml gets under
`sam local invoke --env-vars env.json` (or start-api), worked out by the SAM CLI's own code
without starting Docker. Used by tests/tests/e2e/sam_events.rs; run with .venv/bin/python.
Usage: sam-local-env.py [TEMPLATE [ENV_JSON]]"""
import json
import sys

from samcli.commands.local.lib.local_lambda import LocalLambdaRunner
from samcli.lib.providers.sam_function_provider import SamFunctionProvider
from samcli.lib.providers.sam_stack_provider import SamLocalStackProvider

template = sys.argv[1] if len(sys.argv) > 1 else "template.yaml"
env_file = sys.argv[2] if len(sys.argv) > 2 else "env.json"
with open(env_file, encoding="utf-8") as f:
    overrides = json.load(f)
stacks, _ = SamLocalStackProvider.get_stacks(template, global_parameter_overrides={"AWS::Region": "us-east-1"})
provider = SamFunctionProvider(stacks)
runner = LocalLambdaRunner(
    local_runtime=None, function_provider=provider, cwd=".", real_path=".", env_vars_values=overrides
)
print(json.dumps({f.name: runner._make_env_vars(f).resolve() for f in provider.get_all()}, indent=2))
