"""Tests; a package so ``tests.support`` can be imported by fixtures."""
