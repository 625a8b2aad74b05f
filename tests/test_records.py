"""einlang.records: the frozen, slotted records the node classes are made with behave as the frozen
slotted dataclasses they replaced (equality without the excluded fields, hashing, defaults, factories,
__post_init__, inheritance, signatures, pickling), and a class's __init__ is only generated when used."""

from __future__ import annotations

import copy
import inspect
import pickle

import pytest

from einlang.records import FrozenRecordError, field, fields, is_record, record, replace
from einlang.semantics import ir
from einlang.syntax import ast


@record
class Point:
    x: int
    y: int = 0
    label: str = field(default="", compare=False)
    tags: list[str] = field(default_factory=list, compare=False, repr=False)


@record(eq=False)
class Base:
    @property
    def kind(self) -> str:
        return type(self).__name__


@record(eq=False)
class Leaf(Base):
    value: int


@record
class Derived(Point):
    z: int = 9


@record(frozen=False)
class Counter:
    count: int = 0


@record
class Checked:
    text: str
    length: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "length", len(self.text))


def test_equality_and_hash_leave_out_the_fields_marked_so():
    assert Point(1, 2, "a") == Point(1, 2, "b") and hash(Point(1, 2, "a")) == hash(Point(1, 2, "b"))
    assert Point(1, 2) != Point(2, 1) and Point(1) != Derived(1)  # another class is never equal
    assert ast.Word("A_ij", span=None) == ast.Word("A_ij") and len({ast.Word("x"), ast.Word("x")}) == 1


def test_eq_false_keeps_identity():
    a, b = Leaf(1), Leaf(1)
    assert a != b and a == a and len({a, b}) == 2 and a.kind == "Leaf"


def test_frozen_records_refuse_assignment_and_deletion():
    p = Point(1)
    with pytest.raises(FrozenRecordError, match="'x' of a frozen Point"):
        p.x = 2
    with pytest.raises(FrozenRecordError):
        del p.x
    with pytest.raises(AttributeError):  # slotted: no new attributes either
        object.__setattr__(p, "other", 1)
    c = Counter()
    c.count += 1
    assert c.count == 1 and Counter.__hash__ is None  # mutable with equality: unhashable, as a dataclass


def test_defaults_factories_repr_and_post_init():
    p, q = Point(1), Point(1)
    assert p.tags == [] and p.tags is not q.tags  # a fresh list for each instance
    assert repr(Point(1, 2, "a", ["t"])) == "Point(x=1, y=2, label='a')"
    assert Checked("abc").length == 3
    assert repr(ir.Input("A", (2, 3), ir.np.dtype(float))) == "Input(name='A', shape=(2, 3), dtype=dtype('float64'))"


def test_fields_are_inherited_in_order():
    d = Derived(1, 2, "l", [], 3)
    assert [f.name for f in fields(Derived)] == ["x", "y", "label", "tags", "z"] and d.z == 3
    assert Derived(1).z == 9 and Derived.__match_args__ == ("x", "y", "label", "tags", "z")
    assert is_record(d) and is_record(Derived) and not is_record(object())


def test_a_field_without_a_default_after_one_with_is_refused():
    with pytest.raises(TypeError, match="without a default follows"):
        @record
        class Bad:
            a: int = 0
            b: int


def test_replace_and_signature():
    p = Point(1, 2, "a")
    assert replace(p, y=5) == Point(1, 5) and replace(p, y=5).label == "a"
    with pytest.raises(TypeError):
        replace(p, nothing=1)
    # the annotations as written (strings, under `from __future__ import annotations`), as a dataclass shows them
    assert str(inspect.signature(Point)) == "(x: 'int', y: 'int' = 0, label: 'str' = '', tags: 'list[str]' = <factory>)"


def test_records_pickle_and_copy():
    p = Point(1, 2, "a", ["t"])
    for again in (pickle.loads(pickle.dumps(p)), copy.deepcopy(p), copy.copy(p)):
        assert again == p and again.label == "a" and again.tags == ["t"]
    assert pickle.loads(pickle.dumps(Counter(3))) == Counter(3)


def test_init_is_generated_at_the_first_instantiation_only():
    @record
    class Late:
        a: int
        b: str = "b"

    assert getattr(Late.__dict__["__init__"], "placeholder", False)  # defining the class compiled nothing
    assert Late(1) == Late(1, "b")
    generated = Late.__dict__["__init__"]
    assert not getattr(generated, "placeholder", False) and Late(2).a == 2 and Late.__dict__["__init__"] is generated
    with pytest.raises(TypeError):
        Late()


def test_the_dataclasses_module_works_on_records():
    """Public classes became records (einlang.Options, einlang.Plan): user code written for the dataclasses
    they were keeps working: is_dataclass, fields, replace, asdict and astuple."""
    import dataclasses

    import einlang

    options = einlang.get_options()
    assert dataclasses.is_dataclass(options) and dataclasses.is_dataclass(type(options))
    names = [f.name for f in dataclasses.fields(options)]
    assert names == [f.name for f in fields(options)] and "memory_limit" in names
    changed = dataclasses.replace(options, memory_limit=123)
    assert type(changed) is type(options) and changed.memory_limit == 123 and changed.backend == options.backend
    assert dataclasses.asdict(options)["memory_limit"] == options.memory_limit

    @record
    class Pair:
        a: int
        b: list = field(default_factory=list, compare=False)

    assert dataclasses.astuple(Pair(1, [2])) == (1, [2])
    by_name = {f.name: f for f in dataclasses.fields(Pair)}
    assert by_name["b"].compare is False and by_name["b"].default_factory is list


def test_a_single_compared_field_compares_as_a_dataclass_does():
    """One compared field is still a 1-tuple key: identity-equal values are equal (nan) and an array field
    gives a bool, not an array of them (found in review: attrgetter of one name returns the bare value)."""
    import math

    import numpy as np

    @record
    class One:
        value: object

    nan, array = math.nan, np.arange(3)
    assert One(nan) == One(nan) and hash(One(nan)) == hash(One(nan))
    assert (One(array) == One(array)) is True
    assert One(1) != One(2)


def test_a_plain_subclass_with_its_own_init_calls_the_records():
    """The placeholder __init__ generates the init of the record it was made for, not of type(self): a
    subclass calling super().__init__ before the record was ever built recursed forever."""

    @record
    class Base:
        x: int

    class Child(Base):
        def __init__(self, x):
            super().__init__(x)

    assert Child(3).x == 3 and Base(4).x == 4


def test_a_field_left_out_of_init_is_a_cache_replace_does_not_copy():
    import dataclasses

    from einlang.source import Source

    source = Source("a\nb")
    assert source.line_col(2) == (2, 1)  # fills the line-start cache
    for changed in (replace(source, text="abc\ndef\nghi"), dataclasses.replace(source, text="abc\ndef\nghi")):
        assert changed.line_col(8) == (3, 1)
    with pytest.raises(ValueError):
        replace(source, _line_starts=(0,))
