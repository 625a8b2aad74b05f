"""Checking and lowering: names, ranks, sizes and the Einstein convention, to the IR."""
