"""Kept for imports of ``sklearn_logloss._dask.DaskLinearLogLoss``: the Dask loss
lives in :mod:`sklearn_logloss._loss._dask` now."""

from ._loss import DaskLinearLogLoss

__all__ = ["DaskLinearLogLoss"]
