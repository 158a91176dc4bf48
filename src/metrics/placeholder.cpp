namespace sceval::metrics { void placeholder_metrics() {} }
