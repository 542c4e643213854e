#!/usr/bin/python3
"""scripts/check-meta against our META.json and broken variants of it.

    python3 test/meta/check_meta_test.py [-v]

Each case writes a variant of the repository's META.json (made here, from the
real one) to a temporary file, runs scripts/check-meta on it and compares the
problems it prints, line by line, with the ones the case expects: every check
of the validator is made to fail at least once, with its own message, and the
valid forms the spec allows (custom keys, license lists and maps, version
ranges, every prereq phase and relationship, resources, no_index) are made to
pass.  Versions come from docpatch.control and the PostgreSQL minimum from
debian/pgversions, so the cases follow a version bump.  Run by scripts/test.sh
(its META.json step).
"""
import copy
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
check_meta = os.path.join(repo, "scripts", "check-meta")

with open(os.path.join(repo, "META.json"), encoding="utf-8") as f:
    META = json.load(f)
with open(os.path.join(repo, "docpatch.control"), encoding="utf-8") as f:
    CONTROL = f.read()
with open(os.path.join(repo, "debian", "pgversions"), encoding="utf-8") as f:
    PGVERSIONS = f.read()
DEFAULT_VERSION = re.search(r"^default_version = '([^']*)'$", CONTROL, re.M).group(1)
OLDEST = re.search(r"^([0-9]+)\+$", PGVERSIONS, re.M).group(1)

VERSION = DEFAULT_VERSION + ".0"                  # "1.0" is "1.0.0" on PGXN
major, minor, patch = VERSION.split(".")
OTHER_VERSION = f"{major}.{minor}.{int(patch) + 1}"  # valid SemVer, not ours
SCRIPT = f"extension/docpatch--{DEFAULT_VERSION}.sql"
MINIMUM = f"{OLDEST}.0.0"

CUSTOM = 'custom keys begin with "x_" or "X_")'
NOT_SEMVER = 'is not a semantic version (major.minor.patch, such as "1.0.0" or "2.1.0-beta.1")'
NOT_TERM = "is not a Term (two or more characters, no slash, backslash, control or space character)"
NOT_TAG = "is not a Tag (fewer than 256 characters, no slash, backslash or control character)"
NOT_URI = "is not a URI (scheme:..., no spaces)"
NOT_PATH = ('is not a relative Unix path inside the distribution '
            '(no leading "/", no "\\", no empty, "." or ".." component)')
RANGE_OPS = "is neither 0 nor a semantic version after an optional ==, !=, >=, <=, > or <"
NOT_LICENSE = "is not one of the spec's license strings ("   # the list follows


def edit(change):
    """A variant of META.json: change(meta) edits a copy of it."""
    def make():
        meta = copy.deepcopy(META)
        change(meta)
        return json.dumps(meta, indent=2)
    return make


def text(body):
    return lambda: body


def setting(*path_and_value):
    """meta[path...] = value, creating the objects on the way."""
    *path, value = path_and_value

    def change(meta):
        for key in path[:-1]:
            meta = meta.setdefault(key, {})
        meta[path[-1]] = value
    return change


def deleting(*path):
    def change(meta):
        for key in path[:-1]:
            meta = meta[key]
        del meta[path[-1]]
    return change


def both(*changes):
    def change(meta):
        for c in changes:
            c(meta)
    return change


def renaming_docpatch(meta):
    meta["provides"]["other_ext"] = meta["provides"].pop("docpatch")


def rich(meta):
    """Every optional field, in the forms the spec allows, with custom keys."""
    meta.update({
        "maintainer": "the docpatch authors <docpatch@example.org>",
        "license": ["postgresql", "mit"],
        "release_status": "testing",
        "tags": "jsonb",
        "no_index": {"file": ["docs/README.md"], "directory": "test/fuzz"},
        "resources": {
            "homepage": "https://example.org/docpatch",
            "bugtracker": {"web": "https://example.org/docpatch/issues",
                           "mailto": "bugs@example.org"},
            "repository": {"url": "git://example.org/docpatch.git",
                           "web": "https://example.org/docpatch", "type": "git"},
            "x_chat": "https://example.org/chat",
        },
        "x_build": {"anything": ["goes", 1, None]},
        "X_Other": True,
    })
    meta["provides"]["docpatch"]["X_note"] = "custom"
    meta["provides"]["docpatch_helper"] = {"file": "./docpatch.control", "version": "0.1.0-beta.1+b.7"}
    meta["meta-spec"]["x_seen"] = 1
    meta["prereqs"] = {
        "configure": {"requires": {"plpgsql": 0}},
        "build": {"recommends": {"pgtap": "0"}, "x_why": "custom relationship"},
        "runtime": {"requires": {"PostgreSQL": MINIMUM},
                    "recommends": {"hstore": ">= 1.2.0, != 1.5.0, < 2.0.0"},
                    "suggests": {"pg_trgm": "==2.1.0-rc.1+build.5"},
                    "conflicts": {"old_ext": "<1.0.0"}},
        "test": {"requires": {"pgtap": "> 0.99.0"}, "suggests": {"citus": "<= 12.1.0"}},
        "develop": {"recommends": {"semver": "0, >= 0.30.0"}},
        "x_deploy": {"requires": {"anything": "here"}},
    }


# name: (variant, expected lines).  An expected line ending in "..." is a prefix.
REFUSED = {
    # the document
    "not_json": (text('{"name": "docpatch",'), ["not JSON: ..."]),
    "duplicate_key": (text(json.dumps(META).replace('"name": ', '"name": "docpatch", "name": ', 1)),
                      ['(JSON): key "name" appears twice in one object']),
    "not_an_object": (text("[]"), ["(top): must be an object, not []"]),
    # required keys and their types
    "missing_name": (edit(deleting("name")), ['(top): required key "name" is missing']),
    "missing_meta_spec": (edit(deleting("meta-spec")), ['(top): required key "meta-spec" is missing']),
    "name_with_space": (edit(setting("name", "doc patch")), [f'name: "doc patch" {NOT_TERM}']),
    "name_too_short": (edit(setting("name", "d")), [f'name: "d" {NOT_TERM}']),
    "empty_abstract": (edit(setting("abstract", "")), ['abstract: must be a non-empty string, not ""']),
    "null_generated_by": (edit(setting("generated_by", None)),
                          ["generated_by: must be a non-empty string, not null"]),
    "description_not_string": (edit(setting("description", 42)),
                               ["description: must be a non-empty string, not 42"]),
    "no_maintainer": (edit(setting("maintainer", [])), ["maintainer: must list one or more"]),
    "maintainer_not_list": (edit(setting("maintainer", {"name": "x"})),
                            ['maintainer: must be a list (or a string), not {"name": "x"}']),
    "empty_maintainer": (edit(setting("maintainer", ["a <a@example.org>", ""])),
                         ['maintainer/1: must be a non-empty string, not ""']),
    # versions
    "version_1_0": (edit(setting("version", "1.0")), [f'version: "1.0" {NOT_SEMVER}']),
    "version_leading_zero": (edit(setting("version", "01.0.0")), [f'version: "01.0.0" {NOT_SEMVER}']),
    "version_bad_prerelease": (edit(setting("version", "1.0.0-beta..1")),
                               [f'version: "1.0.0-beta..1" {NOT_SEMVER}']),
    "version_not_control": (edit(setting("version", OTHER_VERSION)),
                            [f'version: "{OTHER_VERSION}", but docpatch.control\'s default_version '
                             f'"{DEFAULT_VERSION}" makes it "{VERSION}"']),
    "provides_version_not_control": (
        edit(setting("provides", "docpatch", "version", OTHER_VERSION)),
        [f'provides/docpatch/version: "{OTHER_VERSION}", but docpatch.control\'s default_version '
         f'"{DEFAULT_VERSION}" makes it "{VERSION}"']),
    # unknown keys
    "unknown_key": (edit(setting("homepage", "https://example.org")),
                    ["homepage: unknown key (the spec names name, abstract, version, maintainer, "
                     "license, provides, meta-spec, description, generated_by, tags, no_index, "
                     f"prereqs, release_status, resources; {CUSTOM}"]),
    "custom_key_without_underscore": (edit(setting("xbuild", 1)), ["xbuild: unknown key ..."]),
    "unknown_provides_key": (edit(setting("provides", "docpatch", "docs", "docs/README.md")),
                             ["provides/docpatch/docs: unknown key (the spec names file, version, "
                              f"abstract, docfile; {CUSTOM}"]),
    "unknown_meta_spec_key": (edit(setting("meta-spec", "uri", "https://pgxn.org/meta/spec.txt")),
                              [f"meta-spec/uri: unknown key (the spec names version, url; {CUSTOM}"]),
    "unknown_resource": (edit(setting("resources", "home", "https://example.org")),
                         ["resources/home: unknown key (the spec names homepage, bugtracker, "
                          f"repository; {CUSTOM}"]),
    "unknown_bugtracker_key": (edit(setting("resources", "bugtracker", "url", "https://example.org")),
                               ["resources/bugtracker/url: unknown key (the spec names web, mailto; "
                                f"{CUSTOM}"]),
    "unknown_no_index_key": (edit(setting("no_index", "files", ["docs/README.md"])),
                             [f"no_index/files: unknown key (the spec names file, directory; {CUSTOM}"]),
    # prereqs
    "prereq_range_1_0": (edit(setting("prereqs", "runtime", "requires", "plpgsql", ">= 1.0")),
                         [f'prereqs/runtime/requires/plpgsql: ">= 1.0" is not a version range: '
                          f'">= 1.0" {RANGE_OPS}']),
    "prereq_range_bad_operator": (edit(setting("prereqs", "test", "requires", "pgtap", "=> 1.0.0")),
                                  [f'prereqs/test/requires/pgtap: "=> 1.0.0" is not a version range: '
                                   f'"=> 1.0.0" {RANGE_OPS}']),
    "prereq_range_empty_clause": (edit(setting("prereqs", "runtime", "recommends", "hstore",
                                               ">= 1.0.0,, < 2.0.0")),
                                  ['prereqs/runtime/recommends/hstore: ">= 1.0.0,, < 2.0.0" is not a '
                                   f'version range: "" {RANGE_OPS}']),
    "prereq_range_number": (edit(setting("prereqs", "runtime", "requires", "plpgsql", 1)),
                            ["prereqs/runtime/requires/plpgsql: must be a version range "
                             "(a string, or the number 0), not 1"]),
    "prereq_range_boolean": (edit(setting("prereqs", "runtime", "requires", "plpgsql", False)),
                             ["prereqs/runtime/requires/plpgsql: must be a version range "
                              "(a string, or the number 0), not false"]),
    "prereq_name_not_term": (edit(setting("prereqs", "runtime", "requires", "pl pgsql", 0)),
                             [f'prereqs/runtime/requires/pl pgsql: "pl pgsql" {NOT_TERM}']),
    "prereq_unknown_phase": (edit(setting("prereqs", "install", "requires", "plpgsql", 0)),
                             ["prereqs/install: unknown key (the spec names configure, build, runtime, "
                              f"test, develop; {CUSTOM}"]),
    "prereq_unknown_relationship": (edit(setting("prereqs", "runtime", "needs", "plpgsql", 0)),
                                    ["prereqs/runtime/needs: unknown key (the spec names requires, "
                                     f"recommends, suggests, conflicts; {CUSTOM}"]),
    "prereq_phase_not_object": (edit(setting("prereqs", "test", ["pgtap"])),
                                ['prereqs/test: must be an object, not ["pgtap"]']),
    "prereq_relationship_not_object": (edit(setting("prereqs", "test", "requires", "pgtap")),
                                       ['prereqs/test/requires: must be an object, not "pgtap"']),
    "postgresql_minimum_moved": (edit(setting("prereqs", "runtime", "requires", "PostgreSQL", "15.0.0")),
                                 ['prereqs/runtime/requires/PostgreSQL: "15.0.0", but debian/pgversions '
                                  f'({OLDEST}+) makes the minimum "{MINIMUM}"']),
    "postgresql_minimum_missing": (edit(deleting("prereqs")),
                                   ["prereqs/runtime/requires/PostgreSQL: missing, but debian/pgversions "
                                    f'({OLDEST}+) makes the minimum "{MINIMUM}"']),
    # provides
    "provides_file_missing": (edit(setting("provides", "docpatch", "file", "extension/docpatch--9.9.sql")),
                              ['provides/docpatch/file: "extension/docpatch--9.9.sql", but the default '
                               f'version\'s install script is "{SCRIPT}"',
                               'provides/docpatch/file: "extension/docpatch--9.9.sql": no such file in '
                               "the distribution"]),
    "provides_file_not_install_script": (edit(setting("provides", "docpatch", "file", "docpatch.control")),
                                         ['provides/docpatch/file: "docpatch.control", but the default '
                                          f'version\'s install script is "{SCRIPT}"']),
    "provides_docfile_missing": (edit(setting("provides", "docpatch", "docfile", "docs/no-such-page.md")),
                                 ['provides/docpatch/docfile: "docs/no-such-page.md": no such file in '
                                  "the distribution"]),
    "provides_absolute_file": (edit(setting("provides", "docpatch", "file", "/etc/passwd")),
                               [f'provides/docpatch/file: "/etc/passwd" {NOT_PATH}']),
    "provides_docfile_outside": (edit(setting("provides", "docpatch", "docfile", "docs/../../README.md")),
                                 [f'provides/docpatch/docfile: "docs/../../README.md" {NOT_PATH}']),
    "provides_windows_path": (edit(setting("provides", "docpatch", "docfile", "docs\\README.md")),
                              [f'provides/docpatch/docfile: "docs\\\\README.md" {NOT_PATH}']),
    "provides_missing_version": (edit(deleting("provides", "docpatch", "version")),
                                 ['provides/docpatch: required key "version" is missing']),
    "provides_empty": (edit(setting("provides", {})),
                       ["provides: must have one or more entries", 'provides: names no "docpatch" extension']),
    "provides_no_docpatch": (edit(renaming_docpatch), ['provides: names no "docpatch" extension']),
    "provides_name_not_term": (edit(setting("provides", "doc/patch", {"file": SCRIPT, "version": VERSION})),
                               [f'provides/doc/patch: "doc/patch" {NOT_TERM}']),
    # license
    "license_not_in_list": (edit(setting("license", "postgres")), [f'license: "postgres" {NOT_LICENSE}...']),
    "license_list_not_in_list": (edit(setting("license", ["postgresql", "gpl"])),
                                 [f'license/1: "gpl" {NOT_LICENSE}...']),
    "license_empty_list": (edit(setting("license", [])), ["license: must list one or more"]),
    "license_empty_map": (edit(setting("license", {})), ["license: must have one or more entries"]),
    "license_map_not_uri": (edit(setting("license", {"PostgreSQL": "the PostgreSQL licence"})),
                            [f'license/PostgreSQL: "the PostgreSQL licence" {NOT_URI}']),
    # meta-spec
    "meta_spec_missing_version": (edit(deleting("meta-spec", "version")),
                                  ['meta-spec: required key "version" is missing']),
    "meta_spec_version_2": (edit(setting("meta-spec", "version", "2.0.0")),
                            ['meta-spec/version: "2.0.0": this script knows the PGXN Meta Spec 1.0.x only']),
    "meta_spec_not_object": (edit(setting("meta-spec", "1.0.0")),
                             ['meta-spec: must be an object, not "1.0.0"']),
    "meta_spec_url_not_uri": (edit(setting("meta-spec", "url", "pgxn.org/meta/spec.txt")),
                              [f'meta-spec/url: "pgxn.org/meta/spec.txt" {NOT_URI}']),
    # the optional fields
    "tag_with_slash": (edit(setting("tags", ["json", "json/jsonb"])), [f'tags/1: "json/jsonb" {NOT_TAG}']),
    "tag_too_long": (edit(setting("tags", ["j" * 256])), [f'tags/0: "{"j" * 56}... {NOT_TAG}']),
    "tag_control_character": (edit(setting("tags", ["json\tjsonb"])), [f'tags/0: "json\\tjsonb" {NOT_TAG}']),
    "release_status_beta": (edit(setting("release_status", "beta")),
                            ['release_status: "beta" is not stable, testing or unstable']),
    "homepage_not_uri": (edit(setting("resources", "homepage", "example.org")),
                         [f'resources/homepage: "example.org" {NOT_URI}']),
    "bugtracker_mailto_not_email": (edit(setting("resources", "bugtracker", "mailto", "bugs")),
                                    ['resources/bugtracker/mailto: "bugs" is not an e-mail address']),
    "repository_type_uppercase": (edit(setting("resources", "repository", "type", "Git")),
                                  ['resources/repository/type: "Git" is not a lowercase program name '
                                   'such as "git"']),
    "repository_web_not_uri": (edit(setting("resources", "repository", "web", "github dot com")),
                               [f'resources/repository/web: "github dot com" {NOT_URI}']),
    "no_index_file_missing": (edit(setting("no_index", "file", ["docs/README.md", "src/gone.sql"])),
                              ['no_index/file/1: "src/gone.sql": no such file in the distribution']),
    "no_index_directory_missing": (edit(setting("no_index", "directory", "gone")),
                                   ['no_index/directory: "gone": no such directory in the distribution']),
    "no_index_path_outside": (edit(setting("no_index", "directory", ["../elsewhere"])),
                              [f'no_index/directory/0: "../elsewhere" {NOT_PATH}']),
}

ACCEPTED = {
    "rich": edit(rich),
    "license_map": edit(setting("license", {"PostgreSQL": "https://www.postgresql.org/about/licence"})),
    "range_at_least": edit(setting("prereqs", "runtime", "recommends", "PostgreSQL", ">=16.0.0")),
    "custom_top_level_key": edit(both(setting("x_ci", {"note": "ours"}), setting("X_CI", "also"))),
}


BUMPED = f"{major}.{int(minor) + 1}"

# The tree's side, with --root: name: (docpatch.control, debian/pgversions,
# expected lines), None for a file that is not there; ROOT in an expected line
# is the temporary root.  The root holds the files META.json names (empty).
TREE = {
    "ours": (CONTROL, PGVERSIONS, []),
    "control_bumped": (
        CONTROL.replace(f"default_version = '{DEFAULT_VERSION}'", f"default_version = '{BUMPED}'"),
        PGVERSIONS,
        [f'version: "{VERSION}", but docpatch.control\'s default_version "{BUMPED}" makes it "{BUMPED}.0"',
         f'provides/docpatch/version: "{VERSION}", but docpatch.control\'s default_version "{BUMPED}" '
         f'makes it "{BUMPED}.0"',
         f'provides/docpatch/file: "{SCRIPT}", but the default version\'s install script is '
         f'"extension/docpatch--{BUMPED}.sql"']),
    "control_without_default_version": (
        re.sub(r"^default_version = .*\n", "", CONTROL, flags=re.M), PGVERSIONS,
        ["docpatch.control: no default_version = '...' line"]),
    "control_missing": (None, PGVERSIONS, ["docpatch.control: not found in ROOT"]),
    "pgversions_moved": (
        CONTROL, re.sub(r"^[0-9]+\+$", f"{int(OLDEST) + 1}+", PGVERSIONS, flags=re.M),
        [f'prereqs/runtime/requires/PostgreSQL: "{MINIMUM}", but debian/pgversions ({int(OLDEST) + 1}+) '
         f'makes the minimum "{int(OLDEST) + 1}.0.0"']),
    "pgversions_without_minimum": (
        CONTROL, re.sub(r"^[0-9]+\+$", "all", PGVERSIONS, flags=re.M),
        ['debian/pgversions: no "N+" line naming the oldest supported major']),
}


def run(variant, root=None):
    with tempfile.NamedTemporaryFile("w", suffix=".json", encoding="utf-8", delete=False) as f:
        f.write(variant())
    try:
        command = [sys.executable, check_meta] + (["--root", root] if root else []) + [f.name]
        done = subprocess.run(command, capture_output=True, text=True)
    finally:
        os.unlink(f.name)
    prefix = f.name + ": "
    lines = [line[len(prefix):] if line.startswith(prefix) else line
             for line in done.stdout.splitlines()]
    return done.returncode, lines, done.stderr


class CheckMetaTest(unittest.TestCase):
    def test_our_meta_json(self):
        done = subprocess.run([sys.executable, check_meta], cwd=repo, capture_output=True, text=True)
        self.assertEqual((done.returncode, done.stderr), (0, ""), done.stdout)
        self.assertEqual(done.stdout, f"META.json: valid (PGXN Meta Spec 1.0; version {VERSION}; "
                                      f"PostgreSQL {MINIMUM} or later)\n")


def refused(variant, expected):
    def test(self):
        code, lines, stderr = run(variant)
        self.assertEqual((code, stderr), (1, ""), lines)
        self.assertEqual(len(lines), len(expected), lines)
        for line, want in zip(lines, expected):
            if want.endswith("..."):
                self.assertTrue(line.startswith(want[:-3]), f"{line!r} does not begin with {want[:-3]!r}")
            else:
                self.assertEqual(line, want)
    return test


def accepted(variant):
    def test(self):
        code, lines, stderr = run(variant)
        self.assertEqual((code, stderr), (0, ""), lines)
        self.assertEqual(len(lines), 1, lines)
        self.assertTrue(lines[0].startswith("valid (PGXN Meta Spec 1.0;"), lines)
    return test


def in_tree(control, pgversions, expected):
    def test(self):
        with tempfile.TemporaryDirectory() as root:
            for name, content in (("docpatch.control", control), ("debian/pgversions", pgversions)):
                if content is not None:
                    os.makedirs(os.path.dirname(os.path.join(root, name)), exist_ok=True)
                    with open(os.path.join(root, name), "w", encoding="utf-8") as f:
                        f.write(content)
            for ext in META["provides"].values():
                for name in (ext[key] for key in ("file", "docfile") if key in ext):
                    os.makedirs(os.path.dirname(os.path.join(root, name)), exist_ok=True)
                    open(os.path.join(root, name), "w").close()
            code, lines, stderr = run(lambda: json.dumps(META), root)
            if not expected:
                self.assertEqual((code, stderr), (0, ""), lines)
                self.assertTrue(len(lines) == 1 and lines[0].startswith("valid ("), lines)
            else:
                self.assertEqual((code, stderr), (1, ""), lines)
                self.assertEqual(lines, [line.replace("ROOT", root) for line in expected])
    return test


for name, (variant, expected) in REFUSED.items():
    setattr(CheckMetaTest, f"test_refuses_{name}", refused(variant, expected))
for name, variant in ACCEPTED.items():
    setattr(CheckMetaTest, f"test_accepts_{name}", accepted(variant))
for name, case in TREE.items():
    setattr(CheckMetaTest, f"test_tree_{name}", in_tree(*case))

if __name__ == "__main__":
    unittest.main()
