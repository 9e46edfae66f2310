"""What a rule may look at: the discovered files, loaded once and shared."""

from __future__ import annotations

import datetime as dt
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

from railsafe import dates
from railsafe.discover import Discovery, SourceFile
from railsafe.findings import FILE_START
from railsafe.loaders import CONFIG_FILES, Document, LoadError, load

T = TypeVar("T")

CONFIG_KINDS = tuple(kind for kind, _ in CONFIG_FILES.values())
OUTSIDE_TREE = "a symlink to a file outside the checked tree: not read (railsafe never reads " \
    "a file outside the tree it checks)"


@dataclass
class Context:
    discovery: Discovery
    today: dt.date = field(default_factory=dates.today)
    _documents: dict[Path, Document] = field(default_factory=dict)
    _cache: dict[str, Any] = field(default_factory=dict)
    # the tree does not change under a check: each path is resolved, and each
    # `document_at` answered, once per run (a 2,000-service monorepo asked ~140k times)
    _resolved: dict[Path, Path] = field(default_factory=dict)
    _at: dict[Path, Document | None] = field(default_factory=dict)
    # processes a rule may share its independent jobs over (railsafe.parallel; 1: this one)
    jobs: int = 1

    @property
    def root(self) -> Path:
        return self.discovery.root

    def files(self, *kinds: str) -> list[SourceFile]:
        return self.discovery.of_kind(*kinds)

    def resolve(self, path: Path) -> Path:
        """`path.resolve()`, computed once per path in a run."""
        resolved = self._resolved.get(path)
        if resolved is None:
            resolved = self._resolved[path] = self._resolve(path)
        return resolved

    def _resolve(self, path: Path) -> Path:
        """`path.resolve()` from its directory's, resolved once for all its files:
        `resolve()` checks every component of the path for a symlink (on a 2,000-service
        tree, a tenth of the command analysis). A path whose last component is a
        symlink, `..` or absent takes `resolve()` itself (loops raise as it does)."""
        parent = path.parent
        if not path.is_absolute() or parent == path or path.name == "..":
            return path.resolve()
        try:
            candidate = self.resolve(parent) / path.name
            if not stat.S_ISLNK(os.lstat(candidate).st_mode):
                return candidate
        except (OSError, RuntimeError):
            pass
        return path.resolve()

    def load(self, source: SourceFile) -> Document:
        """The parsed document for a discovered file (parsed once, then shared)."""
        key = self.resolve(source.path)
        doc = self._documents.get(key)
        if doc is None:
            if not key.is_relative_to(self.root):  # a symlink out of the tree: never read
                doc = Document(source.path, source.relpath, source.kind, source.syntax, b"",
                               error=LoadError(OUTSIDE_TREE, FILE_START))
            else:
                doc = load(source.path, source.relpath, source.kind, source.syntax)
            self._documents[key] = doc
        return doc

    def outside_tree(self, doc: Document) -> bool:
        """A symlink to a file outside the checked tree (reported by RS001, never read)."""
        return doc.error is not None and doc.error.message == OUTSIDE_TREE

    def document_at(self, path: Path) -> Document | None:
        """Any file inside the checked root (a script a command names, say), loaded once.

        None when the file does not exist, is not a regular file, or lies
        outside the root: railsafe never follows a command out of the repository.
        """
        if path in self._at:
            return self._at[path]
        doc = self._at[path] = self._document_at(path)
        return doc

    def _document_at(self, path: Path) -> Document | None:
        from railsafe.discover import classify_path

        try:
            resolved = self.resolve(path)
            relpath = resolved.relative_to(self.root).as_posix()
        except (OSError, ValueError, RuntimeError):
            return None
        if not resolved.is_file():
            return None
        known = classify_path(resolved) or ("text", "")
        return self.load(SourceFile(resolved, relpath, known[0], known[1]))

    def documents(self, *kinds: str) -> list[Document]:
        """Loaded documents of these kinds (all Railway/builder configs by default)."""
        return [self.load(f) for f in self.files(*(kinds or CONFIG_KINDS))]

    def shared_state(self) -> dict[str, Any]:
        """Every field, for building another view of this check (a subclass noting what
        is read): `Sub(**ctx.shared_state())` shares the documents, cache and answers."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def cached(self, key: str, factory: Callable[[], T]) -> T:
        """Share a derived analysis (a project model, say) between rules."""
        if key not in self._cache:
            self._cache[key] = factory()
        return self._cache[key]

    @property
    def reads_config_as_code(self) -> bool:
        """Whether Railway still applies railway.toml / railway.json on `today`."""
        return dates.reads_config_as_code(self.today)

    def tree_texts(self) -> list[Document]:
        """Every text file of the checked tree that may hold a database credential or
        name a database URL variable, loaded as a document (`railsafe.treescan`: one pass
        that respects .gitignore, size limits and binaries). When files are named on
        the command line instead of a directory, only those files."""

        def scan() -> list[Document]:
            from railsafe.treescan import scan_tree, worth_reading

            if self.discovery.explicit:
                return [
                    self.load(f) for f in self.discovery.files
                    if f.path.absolute() in self.discovery.explicit
                    and worth_reading(self.load(f).source, f.relpath)
                ]
            known = {f.relpath: f for f in self.discovery.files}
            docs = []
            for text in scan_tree(self.root).texts:
                source = known.get(text.relpath)
                if source is not None:  # a file discovery found: the same document
                    docs.append(self.load(source))
                    continue
                doc = Document(text.path, text.relpath, "text", "", text.source)
                self._documents.setdefault(text.path, doc)
                docs.append(self._documents[text.path])
            return docs

        return self.cached("tree-texts", scan)

    def loaded_paths(self) -> dict[Path, Document]:
        """Every document read so far, by the path it was read under (a copy)."""
        return dict(self._documents)

    def loaded_documents(self) -> list[Document]:
        """Every document read, for code frames and inline suppressions: not a binary
        file (no code frame shows its bytes) nor a symlink that leaves the tree."""
        return [doc for doc in self._documents.values() if self.shows_source(doc)]

    def shows_source(self, doc: Document) -> bool:
        """Whether a code frame may show this document's text: not a binary file, not a
        symlink that leaves the tree."""
        return b"\0" not in doc.source[:8192] and not self.outside_tree(doc)
