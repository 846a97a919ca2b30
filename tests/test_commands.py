"""Management commands: import_articles and setup_demo."""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from articles.models import Article

pytestmark = pytest.mark.django_db

DEMO_ACCOUNTS = {"admin": "Admins", "editor": "Editors", "reviewer": "Reviewers"}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run(command: str, *args, **options) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(command, *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


# --- import_articles -----------------------------------------------------------------------------


@pytest.fixture
def import_dir(tmp_path):
    """A directory of mixed files: 4 good articles, 3 rejects, and files the import ignores."""
    (tmp_path / "harbour.txt").write_text("Harbour reopens\n\nBoats are back.", encoding="utf-8")
    (tmp_path / "windows.txt").write_bytes("Ferry ends\r\n\r\n“Sad day,” said Jo.".encode("cp1252"))
    (tmp_path / "market.html").write_text(
        "<html><head><title>Market hall restored</title></head><body><article>"
        "<p>Volunteers restored the old market hall over three summers, and traders move back "
        "in this weekend after a decade away.</p></article></body></html>",
        encoding="utf-8",
    )
    feed = [
        json.dumps({"id": "f-1", "title": "Feed one", "text": "The first feed story."}),
        json.dumps({"id": "f-2", "title": "Feed two"}),
        "{broken",
    ]
    nested = tmp_path / "nested"
    nested.mkdir()
    (nested / "feed.jsonl").write_text("\n".join(feed), encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    # Other formats in a directory are skipped and counted; hidden files are ignored.
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.7")
    (tmp_path / "notes.odt").write_bytes(b"PK\x03\x04")
    (tmp_path / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "notes.txt").write_text("Not an article at all.", encoding="utf-8")
    return tmp_path


def test_import_directory_reports_counts_and_creates_rows(import_dir, editor):
    out, err = run("import_articles", str(import_dir), user=editor.username)
    assert out.strip().splitlines()[-1] == (
        "4 created, 0 duplicate, 3 rejected, 2 skipped (unsupported file types)"
    )
    assert sorted(Article.objects.values_list("title", flat=True)) == [
        "Feed one",
        "Ferry ends",
        "Harbour reopens",
        "Market hall restored",
    ]
    assert set(Article.objects.values_list("status", flat=True)) == {"queued"}
    assert set(Article.objects.values_list("uploaded_by", flat=True)) == {editor.pk}
    assert Article.objects.get(title="Ferry ends").body == "“Sad day,” said Jo."
    assert Article.objects.get(external_id="f-1").original_filename == "feed.jsonl"
    assert err.splitlines() == [
        "rejected empty.txt: the file is empty",
        'rejected feed.jsonl line 2: the "text" field is missing or empty',
        "rejected feed.jsonl line 3: this line is not valid JSON (Expecting property name "
        "enclosed in double quotes)",
    ]


def test_import_again_reports_duplicates(import_dir):
    run("import_articles", str(import_dir))
    out, _ = run("import_articles", str(import_dir))
    assert out.strip() == "0 created, 4 duplicate, 3 rejected, 2 skipped (unsupported file types)"
    assert Article.objects.count() == 4
    assert set(Article.objects.values_list("uploaded_by", flat=True)) == {None}


def test_import_verbose_lists_every_article(import_dir):
    out, _ = run("import_articles", str(import_dir / "harbour.txt"), verbosity=2)
    assert out.splitlines() == ["created harbour.txt", "1 created, 0 duplicate, 0 rejected"]
    out, _ = run("import_articles", str(import_dir / "harbour.txt"), verbosity=2)
    assert out.splitlines() == ["duplicate harbour.txt", "0 created, 1 duplicate, 0 rejected"]


def test_import_verbose_lists_skipped_files(import_dir):
    out, _ = run("import_articles", str(import_dir), verbosity=2)
    skipped = [line for line in out.splitlines() if line.startswith("skipped ")]
    assert skipped == [f"skipped {import_dir / 'notes.odt'}", f"skipped {import_dir / 'scan.pdf'}"]


def test_import_named_unsupported_file_is_rejected(import_dir):
    out, err = run("import_articles", str(import_dir / "scan.pdf"))
    assert out.strip() == "0 created, 0 duplicate, 1 rejected"
    assert err.startswith("rejected scan.pdf: “.pdf” files are not supported")
    assert not Article.objects.exists()


def test_import_refuses_files_over_the_size_limit(import_dir, settings):
    settings.NEWSROOM_MAX_UPLOAD_MB = 0.0001  # 104 bytes
    out, err = run("import_articles", str(import_dir / "market.html"))
    assert out.strip() == "0 created, 0 duplicate, 1 rejected"
    assert "rejected market.html: the file is too large" in err
    assert not Article.objects.exists()


def test_import_limit(import_dir):
    out, _ = run("import_articles", str(import_dir), limit=2)
    assert out.strip().splitlines()[-1].startswith("2 created, 0 duplicate")
    assert Article.objects.count() == 2


@pytest.mark.parametrize(
    ("args", "options", "message"),
    [
        (["does-not-exist"], {}, "No such file or directory: does-not-exist"),
        ([], {"user": "nobody-by-this-name"}, "No user called 'nobody-by-this-name'."),
    ],
)
def test_import_errors(import_dir, args, options, message):
    args = args or [str(import_dir)]
    with pytest.raises(CommandError, match=message):
        run("import_articles", *args, **options)
    assert not Article.objects.exists()


# --- setup_demo ----------------------------------------------------------------------------------


@pytest.fixture
def debug(settings):
    settings.DEBUG = True  # pytest-django turns it off; the demo is for development only


def check_demo_accounts(password: str) -> None:
    User = get_user_model()
    assert set(User.objects.values_list("username", flat=True)) == set(DEMO_ACCOUNTS)
    for username, group in DEMO_ACCOUNTS.items():
        user = User.objects.get(username=username)
        assert list(user.groups.values_list("name", flat=True)) == [group]
        assert user.check_password(password)
        assert user.is_staff is (username == "admin")
        assert user.is_superuser is (username == "admin")
    assert User.objects.get(username="editor").has_perm("articles.add_article")
    assert not User.objects.get(username="reviewer").has_perm("articles.add_article")
    assert User.objects.get(username="reviewer").has_perm("articles.retry_extraction")


def test_setup_demo_creates_accounts_and_40_articles_once(debug):
    out, _ = run("setup_demo")
    check_demo_accounts("newsroom")
    assert "account editor (Editors): created" in out
    assert "40 created, 0 duplicate, 0 rejected" in out
    assert Article.objects.count() == 40
    assert set(Article.objects.values_list("uploaded_by__username", flat=True)) == {"editor"}
    assert set(Article.objects.values_list("outlet", flat=True)) == {"Wikinews"}
    assert Article.objects.filter(source_url__startswith="https://en.wikinews.org/").count() == 40

    out, _ = run("setup_demo")
    assert "account editor (Editors): exists" in out
    assert "0 created, 40 duplicate, 0 rejected" in out
    assert Article.objects.count() == 40
    check_demo_accounts("newsroom")


def test_setup_demo_output_goes_to_its_own_stdout(debug, monkeypatch, tmp_path):
    feed = tmp_path / "demo.jsonl"
    feed.write_text(json.dumps({"title": "Demo", "text": "A demo article."}), encoding="utf-8")
    monkeypatch.setattr("articles.management.commands.setup_demo.DEMO_ARTICLES", feed)
    out, _ = run("setup_demo")
    assert "1 created, 0 duplicate, 0 rejected" in out


def test_setup_demo_password_from_environment(debug, monkeypatch):
    monkeypatch.setenv("NEWSROOM_DEMO_PASSWORD", "s3cret-demo-pass")
    run("setup_demo", no_articles=True)
    check_demo_accounts("s3cret-demo-pass")
    assert not get_user_model().objects.get(username="editor").check_password("newsroom")
    assert not Article.objects.exists()


def test_setup_demo_is_idempotent_and_keeps_changed_passwords(debug):
    run("setup_demo", no_articles=True)
    editor = get_user_model().objects.get(username="editor")
    editor.set_password("changed-by-editor")
    editor.save()
    run("setup_demo", no_articles=True)
    run("setup_demo", no_articles=True, verbosity=0)
    assert get_user_model().objects.count() == 3
    users = get_user_model().objects
    assert users.get(username="editor").check_password("changed-by-editor")
    assert users.get(username="reviewer").check_password("newsroom")
    assert get_user_model().objects.get(username="editor").groups.count() == 1


def test_setup_demo_restores_roles_of_existing_accounts(debug, django_user_model):
    django_user_model.objects.create_user("admin", password="x")
    run("setup_demo", no_articles=True)
    admin = django_user_model.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert list(admin.groups.values_list("name", flat=True)) == ["Admins"]


def test_setup_demo_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="development only"):
        run("setup_demo", no_articles=True)
    assert not get_user_model().objects.exists()
