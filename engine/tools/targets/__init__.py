"""Targets from the annual plan: the company's number broken down to regions, teams, people and months.

A plan file (YAML, ``schemas/plan.schema.json``) names the company's annual target, the organisation's levels
(employee-table columns such as ``region`` and ``team``, or a ``manager`` column) and how each level shares the
one above (equally, by a column, by last year's actuals, by headcount, by written shares; fixed amounts with a
reason; a ramp for new hires; seasonality by month).  ``appraise targets PLAN.yaml`` computes every part exactly
(:mod:`.allocate`: largest remainder at the money unit, so every level's parts sum to their whole) and writes the
rows cycles read as a metric source, a page and a workbook for managers.

One module per job: :mod:`.plan` (the plan file, checked), :mod:`.allocate` (exact splits of a tree),
:mod:`.org` (the organisation tree from the employee table), :mod:`.sources` (employees, last year's actuals and
the previous plan's rows through the providers or the results store), :mod:`.compute` (the pipeline: plan in,
:class:`~.compute.Targets` with each share's provenance out), :mod:`.explain` (one person's chain of shares),
:mod:`.checks` (is it reachable), :mod:`.write` (CSV, workbook, manifest), :mod:`.page` (the HTML pages),
:mod:`.diff` (two plan versions compared).
"""
