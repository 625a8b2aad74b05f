"""The memory guard for chunked (dask) operands: it reasons about blocks, not whole arrays.

A dask computation holds a few blocks at a time, never a whole intermediate, so what must fit is the
largest block any step creates. Blocks follow the indices: an index carried by an input axis chunked in
blocks of 1000 is chunked so in every product and sum that uses it; constants (δ, ε, array literals) and
Python-written functions make whole arrays.

>>> from einlang.plan import build_plan
>>> from einlang.semantics.lower import Scope, lower_program
>>> from einlang.syntax.parser import parse
>>> import numpy as np
>>> program = lower_program(parse("A_ij B_jk"), Scope.from_arrays({"A": np.ones((6, 4)), "B": np.ones((4, 8))}))
>>> largest_block(program, build_plan(program), {"A": ((3, 3), (4,)), "B": ((4,), (4, 4))})
LargestBlock(name='T1', shape=(3, 4), elements=12)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

from ..records import record
from ..semantics import ir

if TYPE_CHECKING:  # annotations only: the planner is loaded by the first binding, not by import einlang
    from ..plan import Plan

Chunks = tuple[tuple[int, ...], ...]


@record
class LargestBlock:
    name: str
    shape: tuple[int, ...]
    elements: int


def _contract_block(node: ir.Contract, blocks: dict[int, tuple[int, ...]]) -> dict[str, int]:
    """Each label's block size in a product: the largest block along it among the operands."""
    chunk: dict[str, int] = {}
    for operand in node.operands:
        for label, size in zip(operand.labels, blocks[id(operand.node)]):
            chunk[label] = max(chunk.get(label, 0), size)
    return chunk


def _combine_block(node: ir.Combine, blocks: dict[int, tuple[int, ...]]) -> tuple[int, ...]:
    chunk: dict[str, int] = {}
    for term in node.terms:
        for label, size in zip(term.labels, blocks[id(term.node)]):
            chunk[label] = max(chunk.get(label, 0), size)
    return tuple(chunk.get(label, n) for label, n in zip(node.output, node.shape))


def largest_block(program: ir.LoweredProgram, plan: Plan, chunks: Mapping[str, Chunks]) -> LargestBlock:
    """The largest block of any array the program creates, given the inputs' chunks
    (``chunks[name]``: dask's ``.chunks``; an input without chunks is one block)."""
    blocks: dict[int, tuple[int, ...]] = {}
    best = LargestBlock("result", (), 0)
    step_blocks: dict[int, LargestBlock] = {}
    by_node = {id(c.node): c for c in plan.contractions}
    for node in program.nodes:
        if isinstance(node, ir.Input):
            given = chunks.get(node.name)
            blocks[id(node)] = tuple(max(c, default=0) for c in given) if given else node.shape
            continue
        if isinstance(node, ir.Contract):
            chunk = _contract_block(node, blocks)
            blocks[id(node)] = tuple(chunk.get(label, n) for label, n in zip(node.output, node.shape))
            cplan = by_node[id(node)]
            reverse = {symbol: label for label, symbol in cplan.symbols.items()}
            for step in cplan.steps:
                out = step.einsum.split("->")[1]
                shape = tuple(chunk.get(reverse[s], n) for s, n in zip(out, step.shape))
                candidate = LargestBlock(step.result.split("_")[0], shape, math.prod(shape))
                if candidate.elements > step_blocks.get(id(node), LargestBlock("", (), -1)).elements:
                    step_blocks[id(node)] = candidate
        elif isinstance(node, ir.Combine):
            blocks[id(node)] = _combine_block(node, blocks)
        elif isinstance(node, ir.Apply):
            blocks[id(node)] = blocks[id(node.arg)]
        elif isinstance(node, ir.Reduce):  # reduced block by block: the kept axes keep their argument's blocks
            block_of = dict(zip(node.labels, blocks[id(node.arg)]))
            blocks[id(node)] = tuple(block_of[label] for label in node.output)
        else:  # constants, δ, ε, stacks, Python-written functions: whole arrays
            blocks[id(node)] = node.shape
        shape = blocks[id(node)]
        candidate = step_blocks.get(id(node), LargestBlock(plan.names.get(id(node), "result"), shape, math.prod(shape)))
        if candidate.elements > best.elements:
            best = candidate
    return best
