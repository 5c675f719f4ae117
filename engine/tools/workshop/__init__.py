"""Co-design workshop: a local web app where a facilitator and the sales staff set weights together.

The facilitator moves weight sliders and sees at once what the change does to
the whole population (grades, bonus cost, mean scores by team, region and
tenure); the projector shows a presenter view of aggregates only; participants
propose weights from a signed roster link, a one-time code (secret ballot) or an
ad-hoc link, and the median proposal can be adopted; the adopted weights are
saved back into the ruleset file with only the weight lines and the version
changed, and the tally is exported beside it.

Modules, one concept each:

* :mod:`.weightset` — the weights of a plan as flat ``card/dim[.kpi]`` keys, sibling groups,
  proportional rescaling, largest-remainder rounding, vote medians;
* :mod:`.rescore` — re-scoring a population for new weights without re-reading or re-aggregating;
* :mod:`.session` — one workshop: inputs, baseline, current weights, votes, impact and presenter summaries, save;
* :mod:`.voting` — who may vote (roster links signed with HMAC, one-time codes, ad-hoc links), ballots;
* :mod:`.qr` — the voting link's QR code as inline SVG;
* :mod:`.yamledit` — writing weights and the version back into the YAML text;
* :mod:`.texts` — the interface wording in English and Chinese;
* :mod:`.app` — the Starlette application (tokens, pages, JSON API, where it listens).
"""
