"""The services work as the least-privilege Redis user of deploy/k8s/base/redis-acl.yaml, against a Redis whose
default user is off: the pipeline, the rate limiter, the consumers' blocking waits and the queue inspection."""

from __future__ import annotations

import json
import subprocess

import pytest
import redis
import yaml

from ..support import EXAMPLES_DIR, PROJECT_DIR, PrivateRedis, Stack, illustra

pytestmark = pytest.mark.integration

ACL_MANIFEST = PROJECT_DIR / "deploy" / "k8s" / "base" / "redis-acl.yaml"


def test_the_pipeline_runs_as_the_least_privilege_redis_user(tmp_path) -> None:
    rules = yaml.safe_load(ACL_MANIFEST.read_text())["data"]["rules"]
    private_redis = PrivateRedis().start()
    admin = redis.Redis.from_url(private_redis.url)
    admin.execute_command("ACL", "SETUSER", "illustra", *rules.split(), ">s3cret-for-tests")
    admin.execute_command("ACL", "SETUSER", "default", "off")
    url = f"redis://illustra:s3cret-for-tests@127.0.0.1:{private_redis.port}/0"
    # Dramatiq's own key prefix, as in production: the rules name it.
    stack = Stack(tmp_path, {"BROKER_NAMESPACE": "dramatiq"}, redis_url=url).start()
    try:
        with pytest.raises(redis.AuthenticationError):
            redis.Redis(port=private_redis.port).ping()
        ids = [stack.submit(path.read_text(encoding="utf-8")) for path in sorted(EXAMPLES_DIR.glob("*.txt"))]
        for document_id in ids:
            assert stack.wait_finished(document_id)["processing_stage"] == "all_completed"
        report = subprocess.run(illustra("queue", "--json"), env=stack.env, capture_output=True, text=True)
        assert report.returncode == 0, report.stderr
        assert [queue["states"]["waiting"]["count"] for queue in json.loads(report.stdout)] == [0, 0]
        as_illustra = redis.Redis.from_url(url)
        assert list(
            as_illustra.scan_iter("dramatiq:ratelimit:*")
        )  # the limiter counted, it did not fail open
        with pytest.raises(redis.exceptions.NoPermissionError):
            as_illustra.set("some-other-app:key", "1")
        with pytest.raises(redis.exceptions.NoPermissionError):
            as_illustra.flushall()
    finally:
        stack.stop()
        private_redis.stop()
