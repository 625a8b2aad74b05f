"""Named, frozen, slotted records that cost little to define: the syntax tree's and the checked program's
node classes (``@record`` where ``@dataclass(frozen=True, slots=True)`` was).

Why not dataclasses: a frozen slotted dataclass compiles six methods with ``exec`` and builds its class
twice, about 0.45 ms a class, and ``import einlang`` defines dozens of node classes. A record's class is
built once; its ``__repr__``, ``__eq__``, ``__hash__`` and frozen ``__setattr__`` are shared functions
that read the class's field table, and its ``__init__`` is generated (so construction stays as fast as
a dataclass's, or faster: the slots are set through their descriptors) the first time the class is
instantiated, so classes a run never builds cost nothing.

The fields are the class's annotations, in order, with the defaults written in the class body; ``field``
marks one left out of equality (``compare=False``) or of the repr, or gives a ``default_factory``.

>>> @record
... class Point:
...     x: int
...     y: int = 0
...     label: str = field(default="", compare=False)
>>> Point(1) == Point(1, 0, "origin"), Point(1, 2)
(True, Point(x=1, y=2, label=''))
>>> replace(Point(1, 2), y=5), [f.name for f in fields(Point)]
(Point(x=1, y=5, label=''), ['x', 'y', 'label'])
>>> Point(1).x = 3
Traceback (most recent call last):
    ...
einlang.records.FrozenRecordError: cannot assign to field 'x' of a frozen Point
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any, TypeVar

T = TypeVar("T", bound=type)
_MISSING: Any = object()


class _Factory:
    """The default of a field made by a factory, as a signature shows it."""

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY: Any = _Factory()


class FrozenRecordError(AttributeError):
    """An attempt to assign or delete a field of a record (they are immutable, as frozen dataclasses)."""


class Field:
    """One field of a record: its name, default (or factory) and whether equality and the repr show it."""

    __slots__ = ("name", "type", "default", "default_factory", "compare", "repr", "init")

    def __init__(self, default: Any = _MISSING, default_factory: Callable[[], Any] | None = None,
                 compare: bool = True, repr: bool = True, init: bool = True) -> None:  # noqa: A002 - dataclasses' spelling
        self.name = self.type = ""
        self.default = default
        self.default_factory = default_factory
        self.compare = compare
        self.repr = repr
        self.init = init  # False: not a parameter, always its default, not copied by replace (a cache)

    @property
    def required(self) -> bool:
        return self.default is _MISSING and self.default_factory is None


def field(*, default: Any = _MISSING, default_factory: Callable[[], Any] | None = None,
          compare: bool = True, repr: bool = True, init: bool = True) -> Any:  # noqa: A002
    """A field's options, written as its default in the class body (as ``dataclasses.field``)."""
    return Field(default, default_factory, compare, repr, init)


def record(cls: T | None = None, /, *, eq: bool = True, frozen: bool = True) -> Any:
    """Make ``cls`` a slotted record: frozen unless ``frozen=False``; ``eq=False`` keeps identity
    equality and hashing (a mutable record with equality is unhashable, as a dataclass)."""
    if cls is None:
        return lambda c: _make(c, eq, frozen)
    return _make(cls, eq, frozen)


def _make(cls: type, eq: bool, frozen: bool) -> type:
    inherited = tuple(f for base in reversed(cls.__mro__[1:]) for f in base.__dict__.get("__record_table__", ()))
    namespace = dict(cls.__dict__)
    own: list[Field] = []
    for name, annotation in namespace.get("__annotations__", {}).items():
        value = namespace.pop(name, _MISSING)
        spec = value if isinstance(value, Field) else Field(default=value)
        spec.name, spec.type = name, annotation
        own.append(spec)
    table = (*inherited, *own)
    if any(f.required and not g.required for g, f in zip(table, table[1:])):
        raise TypeError(f"{cls.__name__}: a field without a default follows one with a default")
    namespace.pop("__dict__", None)
    namespace.pop("__weakref__", None)
    namespace.update(__slots__=tuple(f.name for f in own), __record_table__=table,
                     __match_args__=tuple(f.name for f in table), __signature__=_SIGNATURE,
                     __dataclass_fields__=_DATACLASS_FIELDS)
    methods: dict[str, Any] = {"__init__": _lazy_init(), "__repr__": _repr}
    if frozen:
        methods.update(__setattr__=_setattr, __delattr__=_delattr, __getstate__=_getstate, __setstate__=_setstate)
    if eq and "__eq__" not in namespace:
        compared = [f.name for f in table if f.compare]
        namespace["_record_key"] = (attrgetter(*compared) if len(compared) > 1
                                    else _single_key(compared[0]) if compared else staticmethod(_no_key))
        methods.update(__eq__=_eq, __hash__=_hash if frozen else None)
    for name, method in methods.items():  # what the class body defines itself stays
        namespace.setdefault(name, method)
    made = type(cls)(cls.__name__, cls.__bases__, namespace)
    made.__qualname__ = cls.__qualname__
    if getattr(namespace["__init__"], "placeholder", False):
        namespace["__init__"].owner = made
    return made


class _DataclassFields:
    """``cls.__dataclass_fields__``, made on first access, so :mod:`dataclasses` works on records too.

    Records replaced dataclasses in public classes (``einlang.Options``, ``einlang.Plan``): user code that
    calls ``dataclasses.replace(einlang.get_options(), …)``, ``fields``, ``asdict`` or ``is_dataclass`` on
    them keeps working. The table is made by :func:`dataclasses.make_dataclass` from the record's fields
    (public API, no private markers), once per class, only when something asks.
    """

    def __init__(self) -> None:
        self._made: dict[type, dict[str, Any]] = {}

    def __get__(self, instance: Any, owner: type) -> dict[str, Any]:
        made = self._made.get(owner)
        if made is None:
            import dataclasses

            specs = [(f.name, f.type, dataclasses.field(default=f.default, compare=f.compare, repr=f.repr, init=f.init)
                      if f.default_factory is None else
                      dataclasses.field(default_factory=f.default_factory, compare=f.compare, repr=f.repr,
                                        init=f.init))
                     for f in owner.__record_table__]  # type: ignore[attr-defined]
            shadow = dataclasses.make_dataclass(owner.__name__, specs, frozen=True)
            made = self._made[owner] = dict(shadow.__dataclass_fields__)  # type: ignore[attr-defined]
        return made


_DATACLASS_FIELDS = _DataclassFields()


def _no_key(_: object) -> tuple[()]:
    return ()


def _single_key(name: str) -> staticmethod:
    """The key of a record with one compared field: a 1-tuple, as a dataclass compares, so equal-by-identity
    values compare equal (``R(nan) == R(nan)``) and an array field gives a bool, not an array."""
    get = attrgetter(name)
    return staticmethod(lambda record: (get(record),))


def _lazy_init() -> Callable[..., None]:
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        # the record this placeholder was made for (set by _make), not type(self): a plain subclass whose
        # own __init__ calls super().__init__ would otherwise find itself again and recurse
        _own_init(__init__.owner)(self, *args, **kwargs)  # type: ignore[attr-defined]

    __init__.placeholder = True  # type: ignore[attr-defined]
    return __init__


def _own_init(cls: type) -> Callable[..., None]:
    """The class's generated ``__init__``, made now if the record that defines it still has its placeholder."""
    owner = next(c for c in cls.__mro__ if "__init__" in c.__dict__)
    if getattr(owner.__dict__["__init__"], "placeholder", False):
        owner.__init__ = _generate_init(owner)  # type: ignore[misc]
    return cls.__init__  # type: ignore[misc]


class _InitSignature:
    """``inspect.signature(RecordClass)`` reads this: the generated ``__init__``'s, made on demand."""

    def __get__(self, obj: Any, owner: type) -> Any:
        if obj is not None:
            raise AttributeError("__signature__")  # an instance's own signature (a callable record's) is inspect's to find
        import inspect

        sig = inspect.signature(_own_init(owner))
        return sig.replace(parameters=tuple(sig.parameters.values())[1:], return_annotation=inspect.Signature.empty)


_SIGNATURE = _InitSignature()


def _generate_init(cls: type) -> Callable[..., None]:
    """The record's ``__init__``: each argument stored through its slot's descriptor (past the frozen
    ``__setattr__``). Generated code names only the class's own field names, never user text."""
    table: tuple[Field, ...] = cls.__dict__["__record_table__"]
    env: dict[str, Any] = {"_FACTORY": _FACTORY}
    params, body = [], []
    for k, f in enumerate(table):
        env[f"_set{k}"] = getattr(cls, f.name).__set__
        if not f.init:  # no parameter: always the default (or a new one from the factory)
            env[f"_default{k}"] = f.default
            env[f"_factory{k}"] = f.default_factory
            body.append(f"    _set{k}(self, _default{k} if _factory{k} is None else _factory{k}())")
            continue
        if f.default_factory is not None:
            env[f"_factory{k}"] = f.default_factory
            params.append(f"{f.name}=_FACTORY")
            body.append(f"    _set{k}(self, _factory{k}() if {f.name} is _FACTORY else {f.name})")
            continue
        if f.default is not _MISSING:
            env[f"_default{k}"] = f.default
        params.append(f.name if f.default is _MISSING else f"{f.name}=_default{k}")
        body.append(f"    _set{k}(self, {f.name})")
    if hasattr(cls, "__post_init__"):
        body.append("    self.__post_init__()")
    source = f"def __init__(self, {', '.join(params)}):\n" + ("\n".join(body) or "    pass") + "\n"
    exec(compile(source, f"<record {cls.__qualname__}>", "exec"), env)  # noqa: S102 - field names only
    init = env["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__annotations__ = {**{f.name: f.type for f in table}, "return": "None"}
    return init


def _repr(self: Any) -> str:
    shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in self.__record_table__ if f.repr)
    return f"{type(self).__qualname__}({shown})"


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is self.__class__:
        return self._record_key(self) == other._record_key(other)
    return NotImplemented


def _hash(self: Any) -> int:
    return hash(self._record_key(self))


def _setattr(self: Any, name: str, value: Any) -> None:
    raise FrozenRecordError(f"cannot assign to field {name!r} of a frozen {type(self).__name__}")


def _delattr(self: Any, name: str) -> None:
    raise FrozenRecordError(f"cannot delete field {name!r} of a frozen {type(self).__name__}")


def _getstate(self: Any) -> tuple[Any, ...]:
    return tuple(getattr(self, f.name) for f in self.__record_table__)


def _setstate(self: Any, state: tuple[Any, ...]) -> None:
    for f, value in zip(self.__record_table__, state):
        object.__setattr__(self, f.name, value)


def fields(record_or_class: Any) -> tuple[Field, ...]:
    """The fields of a record (class or instance), in order."""
    return record_or_class.__record_table__


def is_record(obj: Any) -> bool:
    """Whether ``obj`` is a record instance or class."""
    return hasattr(obj, "__record_table__")


def replace(obj: T, /, **changes: Any) -> T:
    """A copy of the record ``obj`` with some fields changed (as ``dataclasses.replace``)."""
    for f in obj.__record_table__:  # type: ignore[attr-defined]
        if not f.init:
            if f.name in changes:
                raise ValueError(f"field {f.name} is not an __init__ argument: replace() cannot change it")
        elif f.name not in changes:
            changes[f.name] = getattr(obj, f.name)
    return type(obj)(**changes)
