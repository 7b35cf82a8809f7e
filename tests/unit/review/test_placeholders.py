"""IA401 on real fixture packages: markers and interfaces are not placeholders.

tests/fixtures/review/markers reproduces pydantic.v1's JsonWrapper (a marker base, tested
with a subclass helper and used as the base of generated types) and DeferredType (an
empty class instantiated as a stand-in and compared with `__class__ is`), a sentinel
reached through a star re-export, msgpack.fallback's stand-in for a built-in type in a
tuple of types, fallback classes in a generic alias and a table of pairs (placeholders
still), and two empty classes callers use as if implemented.
tests/fixtures/review/interfaces reproduces starlette's AuthenticationBackend (an
interface the package takes as a parameter) and fastapi.encoders' fallback `Color`
(a dict display's key), next to three classes that are placeholders.
"""

from __future__ import annotations

from review_samples import make_report, rec

from importaudit.review import run_review

MODULES = ("markers", "markers.types", "markers.fields", "markers.generics", "markers.env",
           "markers.api", "markers.compat", "markers.registry")


def test_markers_are_not_placeholders_but_classes_used_as_implemented_are() -> None:
    records = tuple(rec(name, None if i == 0 else "markers", i, 100, 100, 10, 10)
                    for i, name in enumerate(MODULES))
    findings = [f for f in run_review(make_report(("markers",), records)).findings
                if f.code == "IA401"]
    assert [(f.module, f.line) for f in findings] == [("markers.api", 8),
                                                      ("markers.registry", 15)]
    assert "(Exporter, Plugin)" in findings[0].message
    # A generic alias and a table of pairs hold the fallbacks, no tuple of types does.
    assert "(Engine, Formatter)" in findings[1].message


def test_unused_empty_class_is_still_a_placeholder() -> None:
    # Without markers.generics, nothing uses DeferredType as a marker in the package...
    # except fields' own `__class__ is not` test, which is one: the class stays a marker.
    # Without markers.env, `Missing` has no use at all: exported for callers, a placeholder.
    names = tuple(n for n in MODULES if n != "markers.env")
    records = tuple(rec(name, None if i == 0 else "markers", i, 100, 100, 10, 10)
                    for i, name in enumerate(names))
    found = {f.module: f.message for f in run_review(make_report(("markers",), records)).findings
             if f.code == "IA401"}
    assert set(found) == {"markers.types", "markers.api", "markers.registry"}
    assert "(Missing)" in found["markers.types"]


INTERFACES = ("interfaces", "interfaces.auth", "interfaces.middleware", "interfaces.encoders",
              "interfaces.render", "interfaces.parsing", "interfaces.testing",
              "interfaces.latex", "interfaces.xetex", "interfaces.history",
              "interfaces.retired")


def placeholders_in(names: tuple[str, ...]) -> dict[str, str]:
    records = tuple(rec(name, None if i == 0 else "interfaces", i, 100, 100, 10, 10)
                    for i, name in enumerate(names))
    return {f.module: f.message for f in run_review(make_report(("interfaces",), records)).findings
            if f.code == "IA401"}


def test_an_interface_the_package_takes_as_a_parameter_is_not_a_placeholder() -> None:
    found = placeholders_in(INTERFACES)
    # AuthBackend declares `authenticate(self, conn: Connection) -> ...` and the
    # middleware takes `backend: AuthBackend`; Exporter declares a contract nothing
    # takes, Notifier is taken but declares nothing.
    assert "(Exporter, Notifier)" in found["interfaces.auth"]
    # Without the module that takes it, nothing says callers implement it.
    alone = placeholders_in(tuple(n for n in INTERFACES if n != "interfaces.middleware"))
    assert "(AuthBackend, Exporter, Notifier)" in alone["interfaces.auth"]


def test_fallback_classes_keyed_in_a_dict_display_are_markers() -> None:
    found = placeholders_in(INTERFACES)
    # `{bytes: ..., Color: str}` reads Color through the import the fallback replaces.
    assert "interfaces.encoders" not in found
    # A fallback the module calls as if implemented still is one.
    assert "(Renderer)" in found["interfaces.render"]


def test_fallback_classes_chosen_by_an_if_are_used_through_the_import_name() -> None:
    found = placeholders_in(INTERFACES)
    # Transformer is a base and Token an isinstance type, both read through
    # `from grammar_library_not_installed import ...`; only the unused Tree is left.
    assert "defines 1 placeholder class(es) (Tree)" in found["interfaces.parsing"]


def test_an_exception_in_a_fallback_is_no_placeholder() -> None:
    # NoRunnerError is raised with a message by the shadow runner, as exceptions are.
    assert "interfaces.testing" not in placeholders_in(INTERFACES)


def test_classes_the_package_gives_the_attributes_it_reads_are_not_placeholders() -> None:
    # docutils.writers.latex2e's PreambleCmds (attributes assigned at module level, read
    # there and by docutils.writers.xetex) and images.py's fallback `class PIL: pass`
    # given `PIL.Image = Image`: IA401 called both placeholders. Defaults is read for
    # `size`, which nothing gives it.
    found = placeholders_in(INTERFACES)
    assert "defines 1 placeholder class(es) (Defaults)" in found["interfaces.latex"]


def test_a_contract_the_package_calls_on_what_it_is_handed_is_an_interface() -> None:
    # botocore.history.BaseHistoryHandler: `emit(self, event_type, payload, source)`
    # raises NotImplementedError, and HistoryRecorder.record calls `handler.emit(...)`
    # with three arguments on each handler it stored. Exporter's `export` is never
    # called: still a placeholder (with Notifier, which declares nothing).
    found = placeholders_in(INTERFACES)
    assert "interfaces.history" not in found
    assert "(Exporter, Notifier)" in found["interfaces.auth"]


def test_a_removed_class_raising_directions_is_no_placeholder() -> None:
    # statsmodels' AR ("has been removed ... replaced with AutoReg", a literal), scipy's
    # interp2d (a module constant) and nltk's SvmClassifier (the module docstring):
    # IA401 told their users to raise a clear error, which is what they do. A stub whose
    # error says nothing of a removal is still a placeholder.
    assert "defines 1 placeholder class(es) (Forecaster)" in placeholders_in(
        INTERFACES)["interfaces.retired"]


def test_an_empty_class_taken_as_one_of_several_types_is_an_option_tag() -> None:
    # cryptography's `algorithm: HashAlgorithm | NoDigestInfo | None` (rsa.sign): the
    # function tells NoDigestInfo() apart from a hash; IA401 called it a placeholder.
    # `Notifier | None` is no choice between types: Notifier stays one.
    found = placeholders_in(INTERFACES)["interfaces.auth"]
    assert "NoDigest" not in found and "(Exporter, Notifier)" in found


def test_a_base_derived_from_through_a_module_level_alias_is_a_marker() -> None:
    # jax._src.core's `class QuasiDynamicData: pass` is the base of jax._src.hijax's
    # BoxTypeState, written `QDD = core.QuasiDynamicData; class BoxTypeState(QDD):`.
    names = (*MODULES, "markers.state", "markers.boxes")
    records = tuple(rec(name, None if i == 0 else "markers", i, 100, 100, 10, 10)
                    for i, name in enumerate(names))
    found = {f.module for f in run_review(make_report(("markers",), records)).findings
             if f.code == "IA401"}
    assert found == {"markers.api", "markers.registry"}
