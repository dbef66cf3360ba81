"""Masking secrets for viewers: Redis passwords, secret-named env values, runtime-env env_vars."""

from __future__ import annotations

import yaml

from raydeck.resources.masking import MASK, masked


def test_redis_passwords_and_secret_env_values_are_masked_and_the_rest_kept() -> None:
    body = {
        "spec": {
            "gcsFaultToleranceOptions": {
                "redisPassword": {"value": "pw"},
                "redisAddress": "r:6379",
            },
            "headGroupSpec": {
                "rayStartParams": {"redis-password": "pw", "num-cpus": "1"},
                "template": {
                    "spec": {
                        "containers": [
                            {
                                "env": [
                                    {"name": "API_KEY", "value": "k"},
                                    {"name": "HF_TOKEN", "value": "t"},
                                    {"name": "MODE", "value": "fast"},
                                    {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {}}},
                                ]
                            }
                        ]
                    }
                },
            },
        }
    }
    shown = masked(body)
    spec = shown["spec"]
    assert spec["gcsFaultToleranceOptions"] == {
        "redisPassword": {"value": MASK},
        "redisAddress": "r:6379",
    }
    assert spec["headGroupSpec"]["rayStartParams"] == {"redis-password": MASK, "num-cpus": "1"}
    env = spec["headGroupSpec"]["template"]["spec"]["containers"][0]["env"]
    assert [e.get("value") for e in env] == [MASK, MASK, "fast", None]
    assert body["spec"]["headGroupSpec"]["rayStartParams"]["redis-password"] == "pw"


def test_env_vars_inside_runtime_env_yaml_are_masked_and_plain_yaml_is_left_as_written() -> None:
    secret = "env_vars:\n  AWS_SECRET_ACCESS_KEY: abc\n  REGION: eu\npip: [numpy]\n"
    plain = "# my comment\npip: [numpy]\n"
    shown = masked({"spec": {"runtimeEnvYAML": secret}, "other": {"runtimeEnvYAML": plain}})
    assert yaml.safe_load(shown["spec"]["runtimeEnvYAML"]) == {
        "env_vars": {"AWS_SECRET_ACCESS_KEY": MASK, "REGION": "eu"},
        "pip": ["numpy"],
    }
    assert shown["other"]["runtimeEnvYAML"] == plain
