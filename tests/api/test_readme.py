"""The README's API examples work: each curl block of its "API" section runs against a live
server with a real token, and exits 0 (the examples use curl --fail-with-body)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token

from articles.models import Article, Entity, Quote
from tests.conftest import role_group

README = Path(__file__).resolve().parents[2] / "README.md"
BODY = "The harbour reopened on Monday.\n\n“We are open again,” the harbour master said."


def api_examples() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## API\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    return [block for block in blocks if "curl " in block]


def test_the_readme_has_api_examples():
    examples = api_examples()
    assert len(examples) >= 5
    joined = "\n".join(examples)
    for route in ("/api/articles/", "/api/quotes/1/", "/api/articles/1/tags/", "/api/schema/"):
        assert route in joined


@pytest.mark.django_db(transaction=True, reset_sequences=True)
def test_the_readme_curl_examples_run(live_server, django_user_model, make_article, tmp_path):
    admin = django_user_model.objects.create_user("api-admin", password="x", is_staff=True)
    admin.groups.add(role_group("admin"))
    token = Token.objects.create(user=admin).key
    article = make_article(body=BODY, title="Harbour reopens", status=Article.Status.EXTRACTED)
    article.published = "2024-03-12"
    article.save(update_fields=["published"])
    assert article.pk == 1
    master = Entity.objects.create(name="Harbour master", label="PERSON", key="harbour master")
    start, end = BODY.index("“"), BODY.index("”") + 1
    quote = Quote.objects.create(
        article=article, start=start, end=end, text=BODY[start:end], speaker=master
    )
    assert quote.pk == 1
    env = {**os.environ, "NEWSROOM": live_server.url, "TOKEN": token}
    outputs = []
    for example in api_examples():
        run = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", example],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode == 0, f"{example}\n{run.stdout}\n{run.stderr}"
        outputs.append(run.stdout)
    joined = "\n".join(outputs)
    assert '"title":"Harbour reopens"' in joined.replace(": ", ":")
    assert "409" in joined  # the stale PATCH
    assert Quote.objects.get(pk=1).status == "accepted"
    assert Article.objects.filter(external_id="cms-1001").exists()
    assert (tmp_path / "newsroom-api.yaml").read_text().startswith("openapi: 3")
    assert (tmp_path / "march-quotes.csv").read_text().startswith("article_id,")
    assert (tmp_path / "march.spacy").stat().st_size > 0
