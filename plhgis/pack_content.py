"""What a commune pack says, whatever it is written in (the HTML page of `reports`, the PDF of `pdf`).

The gauge's colours, the friche and plot columns, the severity words, the PLH period and the changes
since the last meeting read from the history: shared by both writers, so neither imports the other's
internals (the values' plain-text form is `mapdata`'s, shared with the maps).
"""
from __future__ import annotations

import json
from datetime import date, timedelta

from . import lazy, schema
from .labels import t, value
from .territory import Territory

pd = lazy.module("pandas")

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
BAR_COLORS = schema.colours("status_group")
# the friche and plot tables: (field, label key, numeric)
SITE_COLUMNS = {
    "friches": ("site_id", [("site_id", "id", False), ("site_nom", "name", False), ("site_type", "site_type", False),
                            ("site_statut", "site_statut", False), ("unite_fonciere_surface", "surface", True),
                            ("capacity", "capacity", True)]),
    "plots": ("id", [("id", "id", False), ("parcels", "parcels", False), ("area_m2", "surface", True),
                     ("zone_type", "typezone", False), ("horizon", "horizon", False), ("ownership", "ownership", False),
                     ("constraints", "constraints", False), ("capacity", "capacity", True),
                     ("status", "plot_status", False)]),
}


def severity(sev, lang="fr") -> str:
    """What a finding of severity `sev` asks of the reader ("à corriger"…), in `lang`."""
    return t("severity." + sev, lang) if sev in SEVERITY_ORDER else str(sev)


def default_since(today: date | None = None) -> date:
    """The last meeting, when not given: one year ago."""
    return (today or date.today()) - timedelta(days=365)


def plh_period(store):
    """(first, last year) of the PLH, from the settings or the targets layer ("", "" when unknown)."""
    try:
        return Territory(store).period[:2]
    except (AttributeError, TypeError, ValueError):
        frame = store.read("targets")
        if len(frame):
            return int(frame["period_start"].min()), int(frame["period_end"].max())
        return "", ""


def project_history(store, since) -> tuple[dict, dict]:
    """({scheme id: name}, {insee: [history records]}): the schemes' changes on or after `since`,
    read once for every commune (ended schemes included)."""
    ids = store.read("projects", include_ended=True)
    commune_of = dict(zip(ids["id"], ids["commune"]))
    by_commune: dict = {}
    for rec in store.history("projects", since=since).to_dict("records"):
        if rec["feature_id"] in commune_of:
            by_commune.setdefault(commune_of[rec["feature_id"]], []).append(rec)
    return dict(zip(ids["id"], ids["name"])), by_commune


def changes_since(store, insee, since, lang="fr", history=None) -> list[dict]:
    """The commune's scheme changes on or after `since`: kind, id, name, detail (in `lang`), day.

    `history`: `project_history(store, since)` when the caller makes many packs.
    """
    names, by_commune = history or project_history(store, since)
    out = []
    for rec in by_commune.get(insee, []):
        after = json.loads(rec["after"]) if isinstance(rec["after"], str) else {}
        before = json.loads(rec["before"]) if isinstance(rec["before"], str) else {}
        kind, detail = "other", ""
        if rec["action"] == "insert":
            kind = "new"
            detail = t("change.new", lang, homes=_show(after.get("homes_total")),
                       status=value(after.get("status"), lang))
        elif rec["action"] == "end" or after.get("end_date"):
            kind = "ended"
            detail = str(after.get("end_date", ""))
        elif "status" in after:
            kind = "delivered" if after["status"] == "livré" else "status"
            detail = f"{_show(value(before.get('status'), lang))} → {_show(value(after['status'], lang))}"
        else:
            detail = "; ".join(t("change.field", lang, field=k, old=_show(before.get(k)), new=_show(v))
                               for k, v in after.items() if k not in ("updated_at", "created_at", "geometry"))
            if "geometry" in after:
                detail = (detail + "; " if detail else "") + t("change.geometry", lang)
        out.append({"kind": kind, "id": rec["feature_id"], "name": names.get(rec["feature_id"], ""),
                    "detail": detail, "day": str(rec["ts"])[:10],
                    "source": rec["source"] if isinstance(rec["source"], str) else ""})
    return out


def _show(v) -> str:
    """A value in a change's detail: ∅ for nothing."""
    return "∅" if v is None or v == "" else str(v)
