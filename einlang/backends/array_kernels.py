"""The kernels of a checked program's nodes in another array library (torch, JAX, CuPy, dask).

Products use the ``opt`` backend's prepared steps with the library's operations (:class:`KernelOps`);
the other nodes are here: constants, δ and ε become arrays of the library on the operands' device,
elementwise functions are the library's own, and Python-written library functions use the library's
linear algebra or say clearly that they cannot.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import errors as E
from ..functions import ELEMENTWISE
from ..semantics import ir
from .arrays import ArrayLibrary, numpy_dtype
from .executor import KEPT_DELTA, combine_kernel, delta_kernel, kronecker, levi_civita
from .ops import Kernel, KernelOps
from .reduce_kernels import numpy_like, reduce_kernel, torch_like

# Python-written library functions and the library's own version of each (attribute paths in its namespace)
LINALG = {
    "inv": "linalg.inv",
    "det": "linalg.det",
    "solve": "linalg.solve",
}
# what each library lacks of LINALG (dask.array.linalg has no determinant)
MISSING = {"dask": frozenset({"det"})}


def _identity(value: Any) -> Any:
    return value


def _torch_ops(library: ArrayLibrary, device: Any) -> dict[str, Any]:
    torch = library.xp
    dtypes = {}

    def cast(x, dtype):
        target = dtypes.get(dtype)
        if target is None:
            target = dtypes[dtype] = getattr(torch, "bool" if dtype.kind == "b" else dtype.name)
        return x.to(target)

    return {
        "matmul": torch.matmul,
        "dot": torch.matmul,
        "einsum": torch.einsum,
        "permute": lambda x, perm: x.permute(perm),
        "copy": lambda x: x.clone(),
        "cast": cast,
    }


def _generic_ops(library: ArrayLibrary) -> dict[str, Any]:
    xp = library.xp
    # dot of two matrices is matmul (dask's matmul is the blocked product ``A @ B`` runs; its dot, a tensordot)
    ops: dict[str, Any] = {"matmul": xp.matmul, "dot": xp.matmul, "einsum": xp.einsum, "cast": lambda x, d: x.astype(d)}
    if library.name == "jax":
        ops.update(permute=xp.transpose, reshape=xp.reshape, copy=_identity)  # immutable arrays: nothing to copy
    elif library.name == "dask":
        ops.update(copy=_identity)  # a dask array is a recipe: a new graph node never aliases the input's data
    else:
        ops.update(copy=lambda x: x.copy())
    return ops


@functools.cache
def kernel_ops(library: ArrayLibrary, device: Any) -> KernelOps:
    """The operations of ``library``'s arrays on ``device`` (cached: constants are placed once per device)."""
    fields = _torch_ops(library, device) if library.name == "torch" else _generic_ops(library)
    maker = NodeKernels(library, device)
    return KernelOps(library.name, node_kernel=maker.kernel, **fields)


class NodeKernels:
    """Kernels for every node but a product, in one library on one device."""

    def __init__(self, library: ArrayLibrary, device: Any) -> None:
        self.library = library
        self.device = device

    def constant(self, value: np.ndarray) -> Any:
        """A numpy constant as an array of the library (scalars stay Python numbers: weak, as numpy's)."""
        value = np.array(value)  # a writable copy: δ and ε are shared read-only arrays
        if value.shape == () and value.dtype != object:
            return value.item()
        if self.library.name == "torch":
            return self.library.xp.as_tensor(value, device=self.device)
        if self.library.name == "dask":
            return self.library.xp.from_array(value)
        return self.library.xp.asarray(value)

    def kernel(self, node: ir.Node) -> Kernel | None:
        if isinstance(node, (ir.Constant, ir.Delta, ir.LeviCivita)):
            return self._constant_kernel(node)
        if isinstance(node, ir.Apply):
            return self._apply_kernel(node.function)
        if isinstance(node, ir.Combine):
            return combine_kernel(node, _identity, self.ops)
        if isinstance(node, ir.Stack):
            return self._stack_kernel(node)
        if isinstance(node, ir.External):
            return self._external_kernel(node)
        if isinstance(node, ir.Reduce):
            xp = self.library.xp
            return reduce_kernel(node, torch_like(xp) if self.library.name == "torch" else numpy_like(xp))
        return None

    @property
    def ops(self) -> KernelOps:
        return kernel_ops(self.library, self.device)

    def _constant_kernel(self, node: ir.Node) -> Kernel:
        if isinstance(node, ir.Constant):
            raw = node.value
        elif isinstance(node, ir.Delta):
            if node.shape[0] > KEPT_DELTA:  # built at each run: a cached runner keeps no n² numbers
                big = delta_kernel(node.shape[0])
                return lambda: self.constant(big())
            raw = kronecker(node.shape[0])
        else:
            raw = levi_civita(len(node.shape))
        value = self.constant(raw)
        return lambda: value

    def _apply_kernel(self, function: str) -> Kernel:
        xp = self.library.xp
        name = ELEMENTWISE[function].name
        if name == "reciprocal":
            fn: Callable[[Any], Any] = lambda x: 1 / x  # noqa: E731 - true division, as numpy's reciprocal rule
        elif name == "conj" and self.library.name == "torch":
            fn = lambda x: xp.conj(x).resolve_conj()  # noqa: E731 - torch's conj is a lazy view
        else:
            fn = getattr(xp, name)
        numpy_fn = ELEMENTWISE[function].on_array
        array_type = self.library.array_type

        def apply(x):
            if isinstance(x, array_type):
                return fn(x)
            return numpy_fn(np.asarray(x))[()]  # a number (a folded constant): numpy's rule, a number out

        return apply

    def _stack_kernel(self, node: ir.Stack) -> Kernel:
        xp, shape, array_type, constant = self.library.xp, node.shape, self.library.array_type, self.constant

        def stack(*items):
            if not any(isinstance(item, array_type) for item in items):
                return constant(np.stack([np.asarray(i, dtype=node.dtype) for i in items]).reshape(shape))
            like = next(item for item in items if isinstance(item, array_type))
            parts = [i if isinstance(i, array_type) else self.library.convert(np.asarray(i, dtype=node.dtype), like)
                     for i in items]
            return xp.stack(parts).reshape(shape)

        return stack

    def _external_kernel(self, node: ir.External) -> Kernel:
        path = LINALG.get(node.name)
        if path is None or node.name in MISSING.get(self.library.name, ()):
            return _refusal(node, self.library)
        fn: Any = self.library.xp
        for part in path.split("."):
            fn = getattr(fn, part)
        cast, dtype = self.ops.cast, node.dtype

        def external(*arrays):
            # integers and booleans compute in floating point (einlang's rule for inv, det, solve);
            # float32 stays float32, as the library's own linear algebra keeps it
            return fn(*[cast(a, dtype) if numpy_dtype(a.dtype).kind in "biu" else a for a in arrays])

        return external


def _refusal(node: ir.External, library: ArrayLibrary) -> Kernel:
    """Refused when the program is prepared, before anything runs."""
    supported = ", ".join(n for n in LINALG if n not in MISSING.get(library.name, ()))
    err = E.UnsupportedArrayLibraryError(
        f"{node.name} is written in Python for numpy arrays and has no {library.module} version: "
        f"it cannot take {library.name} arrays",
        node.span,
        hint=f"the library functions with a {library.name} version are {supported} and every one written "
        f"in einlang; or convert to numpy first",
    )
    for caller in reversed(node.callers):
        err.add_context("called from here", caller)
    raise err
