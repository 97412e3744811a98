//! Geocoding: the embedded GeoNames gazetteer (cities1000, countries, first-level regions,
//! continents; built by `scripts/build_gazetteer.py`) and the choice, per document, of the entry
//! each place name means: the country the document's other places point to, then population.

use crate::record::{Geo, Record, Triple};
use flate2::read::GzDecoder;
use std::collections::HashMap;
use std::io::Read;
use std::sync::OnceLock;

/// The gazetteer rows, gzipped TSV (GeoNames data, CC BY 4.0).
const EMBEDDED: &[u8] = include_bytes!("../data/gazetteer.tsv.gz");

/// A place the document points elsewhere from is still taken when it is at least this populous.
const WELL_KNOWN_POPULATION: u64 = 100_000;

/// ... or when it outnumbers the document-country namesake this many times.
const DWARFS: u64 = 50;
/// A smaller place, in a country with more than `DENSE_COUNTRY` entries (US, Italy, France, ...,
/// where every name has small namesakes), needs its region pointed to by the document as well.
const SMALL_PLACE: u64 = 15_000;
const DENSE_COUNTRY: usize = 5_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Continent,
    Country,
    Region,
    City,
}

#[derive(Debug)]
struct Place {
    geonameid: u32,
    name: Box<str>,
    kind: Kind,
    country: [u8; 2],
    admin1: Box<str>,
    latitude: f32,
    longitude: f32,
    population: u64,
}

impl Place {
    fn country(&self) -> &str {
        std::str::from_utf8(&self.country).unwrap_or("").trim_end_matches('\0')
    }
}

/// How a name names an entry.
#[derive(Debug, Clone, Copy)]
struct Naming {
    place: u32,
    /// The entry's own name (or its ASCII form), not an alternate.
    primary: bool,
    /// Written in capitals ("UK", "U.S."): an all-capital query matches only these.
    capitals: bool,
}

/// A name's entries.
type Entries = Vec<Naming>;

/// Places by normalized name.
#[derive(Debug)]
pub struct Gazetteer {
    places: Vec<Place>,
    by_name: HashMap<Box<str>, Entries>,
    /// Names with a hyphen or an Arabic article, by [`compact_key`]: spellings differ there
    /// ("Deir ez-Zor"/"Deir Ezzor", "Al-Hasakah"/"Hasakah").
    by_compact: HashMap<Box<str>, Entries>,
    /// (country, admin1 code) → index of the region.
    regions: HashMap<([u8; 2], Box<str>), u32>,
    /// Countries with more than `DENSE_COUNTRY` entries.
    dense: std::collections::HashSet<[u8; 2]>,
}

/// What a document's place names point to: countries (with their vote counts) and regions.
#[derive(Debug, Default)]
struct Votes {
    countries: HashMap<String, usize>,
    /// The country each name (by key) voted for.
    own: HashMap<String, String>,
    regions: std::collections::HashSet<(String, String)>,
}

/// Words after a first-level region's name that say its kind ("Borno State"), as lookup keys.
const REGION_KINDS: &[&str] = &[" governorate", " province", " state", " region", " prefecture", " oblast", " department"];
/// Compass words that region names write both ways ("South Darfur", "Southern Darfur").
const COMPASS_FORMS: &[(&str, &str)] = &[("south", "southern"), ("north", "northern"), ("east", "eastern"), ("west", "western"), ("central", "centre")];

/// Whether the words between a place and a later one make the later its container: ", ",
/// " in ", or a part noun and "of" with an optional compass word ("region of southern").
fn encloses_after(between: &str) -> bool {
    let w: Vec<String> = between.split(|c: char| c.is_whitespace() || c == ',').filter(|w| !w.is_empty()).map(str::to_lowercase).collect();
    let w: Vec<&str> = w.iter().map(String::as_str).filter(|w| *w != "the").collect();
    let compass = |x: &str| x.trim_end_matches("ern").len() < x.len() || ["north", "south", "east", "west", "central"].contains(&x);
    match w.as_slice() {
        [] => between.contains(','),
        ["in"] => true,
        [part, "of"] => ENCLOSED_PARTS.contains(part),
        [part, "of", c] => ENCLOSED_PARTS.contains(part) && compass(c),
        _ => false,
    }
}

/// The text from code point `a` to code point `b` (empty where `b` is not after `a`).
fn chars_between(text: &str, a: usize, b: usize) -> String {
    text.chars().skip(a).take(b.saturating_sub(a)).collect()
}

/// How wide a place is, for choosing between places of one action: a populated place, a site or
/// a place the gazetteer does not hold (small places mostly), a region, a country.
fn breadth(t: &Triple) -> u8 {
    match t.place.geo.as_ref().and_then(Option::as_ref) {
        Some(g) if g.feature_code.starts_with("PCL") => 3,
        Some(g) if g.feature_class == "A" => 2,
        _ => 1,
    }
}

/// One scene per action and relation: where an action has several places that are not a list
/// ("in Karradah ... Baghdad", "Sharifah in western Palmyra"), the narrowest, then the nearest
/// to the action, is its place; places listed with it ("in Ankara, Bursa and Bergama") stay.
fn keep_one_scene(text: &str, record: &mut Record) {
    let triples = &record.triples;
    let same_event = |a: &Triple, b: &Triple| a.action.start == b.action.start && a.action.end == b.action.end && a.place_relation == b.place_relation;
    // "Irobo, Grand Lahou, Fresco and in the Sassandra region", "Al-Ghaab and northeastern Latakia";
    // names between are other list items, or their containers ("in Vedeno region of Chechnya, and in Sinai").
    let listed = |mid: &str| {
        let words: Vec<&str> = mid
            .split_inclusive(',')
            .flat_map(|w| w.split_whitespace())
            .flat_map(|w| [w.trim_end_matches(','), if w.ends_with(',') { "," } else { "" }])
            .filter(|w| !w.is_empty())
            .collect();
        let compass = |w: &str| {
            let w = w.to_lowercase();
            ["north", "south", "east", "west", "northeast", "northwest", "southeast", "southwest", "central"].contains(&w.trim_end_matches("ern"))
        };
        words.iter().any(|w| matches!(*w, "," | "and" | "or" | "&"))
            && words.iter().all(|w| {
                matches!(*w, "," | "and" | "or" | "&" | "in" | "at" | "the") || compass(w) || w.starts_with(char::is_uppercase) || *w == "of" || ENCLOSED_PARTS.contains(w)
            })
    };
    let mut drop = vec![false; triples.len()];
    for (i, t) in triples.iter().enumerate() {
        let group: Vec<usize> = (0..triples.len()).filter(|&j| same_event(t, &triples[j])).collect();
        if group[0] != i || group.iter().all(|&j| triples[j].place.start == t.place.start) {
            continue;
        }
        let distance = |j: usize| triples[j].place.start.abs_diff(triples[j].action.start);
        let best = *group.iter().min_by_key(|&&j| (breadth(&triples[j]), distance(j))).expect("a group has its first triple");
        // The places in text order; a place stays when a chain of list separators joins it to the best.
        let mut order = group.clone();
        order.sort_by_key(|&j| triples[j].place.start);
        let between = |a: usize, b: usize| chars_between(text, a, b);
        let at = order.iter().position(|&j| j == best).expect("best is in the group");
        let mut kept = vec![false; order.len()];
        kept[at] = true;
        for k in at + 1..order.len() {
            let (p, q) = (&triples[order[k - 1]].place, &triples[order[k]].place);
            kept[k] = kept[k - 1] && (p.start == q.start || listed(&between(p.end, q.start)));
        }
        for k in (0..at).rev() {
            let (p, q) = (&triples[order[k]].place, &triples[order[k + 1]].place);
            kept[k] = kept[k + 1] && (p.start == q.start || listed(&between(p.end, q.start)));
        }
        for (k, &j) in order.iter().enumerate() {
            drop[j] = !kept[k];
        }
    }
    let mut keep = drop.iter().map(|d| !d);
    record.triples.retain(|_| keep.next().unwrap_or(true));
}

/// Arabic articles, written apart or hyphenated ("Al-Hasakah", "Deir ez-Zor").
const ARTICLES: &[&str] = &["al", "el", "ad", "ar", "as", "at", "an", "ash", "az", "ez", "ed", "es", "et", "ath"];

/// A name key without a leading article and without spaces ("al hasakah" → "hasakah", "deir ez
/// zor" → "deirezzor"), for names whose spelling varies at articles and hyphens.
fn compact_key(key: &str) -> String {
    let key = match key.split_once(' ') {
        Some((first, rest)) if ARTICLES.contains(&first) => rest,
        _ => key,
    };
    key.chars().filter(|c| *c != ' ').collect()
}

/// Whether a name is indexed by [`compact_key`] too: it has a hyphen or an article word.
fn has_variable_spelling(name: &str, key: &str) -> bool {
    name.contains('-') || key.split(' ').count() > 1 && key.split(' ').any(|w| ARTICLES.contains(&w))
}

/// Nouns after a place that name it as part of the next one ("the Vedeno region of Chechnya").
const ENCLOSED_PARTS: &[&str] = &["region", "district", "province", "county", "area", "suburb", "neighbourhood", "neighborhood", "village", "town", "governorate"];

/// Whether a name is written in capitals ("UK", "U.S.", "KPA"), as codes and acronyms are.
fn is_capitals(name: &str) -> bool {
    name.chars().any(char::is_alphabetic) && name.chars().all(|c| c.is_uppercase() || c == '.' || c == ' ' || c == '-')
}

/// The lookup key of a place name: lower case, apostrophes dropped and hyphens read as spaces
/// (transliterations differ there: "Dara’a"/"Daraa", "Grand-Lahou"/"Grand Lahou"), one space, no
/// leading "the".
pub fn name_key(name: &str) -> String {
    let mut key = String::with_capacity(name.len());
    for word in name.split(|c: char| c.is_whitespace() || c == '-').filter(|w| !w.is_empty()) {
        if !key.is_empty() {
            key.push(' ');
        }
        for c in word.chars() {
            match c {
                '\'' | '’' | '‘' | 'ʼ' | 'ʻ' | '`' => {}
                c if c.is_ascii() => key.push(c.to_ascii_lowercase()),
                c => key.extend(c.to_lowercase()),
            }
        }
    }
    match key.strip_prefix("the ") {
        Some(rest) => rest.to_string(),
        None => key,
    }
}

impl Gazetteer {
    /// The embedded gazetteer, loaded on first use (0.3 s of CPU) and shared.
    pub fn embedded() -> &'static Gazetteer {
        static GAZ: OnceLock<Gazetteer> = OnceLock::new();
        GAZ.get_or_init(|| {
            let mut tsv = String::new();
            GzDecoder::new(EMBEDDED).read_to_string(&mut tsv).expect("the embedded gazetteer is valid gzip UTF-8");
            Gazetteer::from_tsv(&tsv)
        })
    }

    /// Parses gazetteer rows (see `scripts/build_gazetteer.py`); malformed rows are skipped.
    pub fn from_tsv(tsv: &str) -> Gazetteer {
        let mut places = Vec::with_capacity(180_000);
        let mut by_name: HashMap<Box<str>, Entries> = HashMap::with_capacity(600_000);
        let mut by_compact: HashMap<Box<str>, Entries> = HashMap::with_capacity(40_000);
        let mut regions = HashMap::new();
        for line in tsv.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            if f.len() < 10 {
                continue;
            }
            let kind = match f[3] {
                "CONT" => Kind::Continent,
                "PCLI" => Kind::Country,
                "ADM1" => Kind::Region,
                _ => Kind::City,
            };
            let (Ok(geonameid), Ok(latitude), Ok(longitude), Ok(population)) = (f[0].parse(), f[6].parse(), f[7].parse(), f[8].parse()) else { continue };
            let mut country = [0u8; 2];
            for (c, b) in country.iter_mut().zip(f[4].bytes()) {
                *c = b;
            }
            let i = places.len() as u32;
            if kind == Kind::Region {
                regions.insert((country, f[5].into()), i);
            }
            let mut add = |name: &str, primary: bool| {
                let key = name_key(name);
                let naming = Naming { place: i, primary, capitals: is_capitals(name) };
                let index = |map: &mut HashMap<Box<str>, Entries>, key: String| match map.get_mut(key.as_str()) {
                    Some(entries) if entries.iter().any(|e| e.place == i) => {}
                    Some(entries) => entries.push(naming),
                    None => {
                        map.insert(key.into_boxed_str(), vec![naming]);
                    }
                };
                if has_variable_spelling(name, &key) {
                    index(&mut by_compact, compact_key(&key));
                }
                index(&mut by_name, key);
            };
            add(f[1], true);
            // Alternates without a capital letter are romanisations ("bali" for Bari, "ba li"), not
            // names English news writes.
            for (k, alt) in f[9].split('|').filter(|a| a.chars().any(char::is_uppercase)).enumerate() {
                // The first alternate of a non-ASCII name is its ASCII form ("Ménaka" → "Menaka").
                add(alt, k == 0 && !f[1].is_ascii() && alt.chars().count() == f[1].chars().count());
            }
            places.push(Place { geonameid, name: f[1].into(), kind, country, admin1: f[5].into(), latitude, longitude, population });
        }
        let mut per_country: HashMap<[u8; 2], usize> = HashMap::new();
        for p in &places {
            *per_country.entry(p.country).or_default() += 1;
        }
        let dense = per_country.into_iter().filter(|(_, n)| *n > DENSE_COUNTRY).map(|(c, _)| c).collect();
        Gazetteer { places, by_name, by_compact, regions, dense }
    }

    /// The entry with this GeoNames id (score 1), if the gazetteer holds it.
    pub fn entry(&self, geonameid: u32) -> Option<Geo> {
        let i = self.places.binary_search_by_key(&geonameid, |p| p.geonameid).ok()?;
        Some(self.geo(i as u32, 1.0))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.places.len()
    }

    pub fn is_empty(&self) -> bool {
        self.places.is_empty()
    }

    /// Whether the gazetteer holds a place of this name (a populated place, region, country or continent).
    pub fn knows_place(&self, name: &str) -> bool {
        !self.lookup(name).is_empty()
    }

    /// How big the largest place of this name is: its population, or `u64::MAX` for a country,
    /// first-level region or continent; None when the gazetteer holds no place of this name.
    pub fn place_size(&self, name: &str) -> Option<u64> {
        self.lookup(name)
            .iter()
            .map(|e| {
                let p = self.place(e.place);
                if p.kind == Kind::City { p.population } else { u64::MAX }
            })
            .max()
    }

    /// The entries a name may mean; an all-capital name ("US", "KPA") only capital-written ones,
    /// unless it is a word of five letters or more that has none ("BEIRUT" in a dateline). Failing
    /// that, a first-level region named with its kind ("Borno State", "Latakia Governorate"), or
    /// with "South"/"Southern" and the like the other way ("South Darfur" for "Southern Darfur").
    fn lookup(&self, name: &str) -> Vec<Naming> {
        let entries = |key: &str| self.by_name.get(key).map_or(&[][..], Vec::as_slice);
        let key = name_key(name);
        let found = entries(&key);
        if is_capitals(name) {
            let written: Vec<Naming> = found.iter().copied().filter(|e| e.capitals).collect();
            if !written.is_empty() || name.contains('.') || name.chars().filter(|c| c.is_alphabetic()).count() < 5 {
                return written;
            }
        }
        if !found.is_empty() {
            return found.to_vec();
        }
        let compact = |key: &str| self.by_compact.get(compact_key(key).as_str()).map_or(&[][..], Vec::as_slice);
        if !compact(&key).is_empty() {
            return compact(&key).to_vec();
        }
        let regions = |key: &str| -> Vec<Naming> { entries(key).iter().chain(compact(key)).copied().filter(|e| self.place(e.place).kind == Kind::Region).collect() };
        if let Some(base) = REGION_KINDS.iter().find_map(|kind| key.strip_suffix(kind)) {
            return regions(base);
        }
        let (first, rest) = key.split_once(' ').unwrap_or((&key, ""));
        match COMPASS_FORMS.iter().find_map(|&(a, b)| {
            if first == a {
                Some(b)
            } else if first == b {
                Some(a)
            } else {
                None
            }
        }) {
            Some(other) if !rest.is_empty() => regions(&format!("{other} {rest}")),
            _ => Vec::new(),
        }
    }

    fn place(&self, i: u32) -> &Place {
        &self.places[i as usize]
    }

    fn geo(&self, i: u32, score: f32) -> Geo {
        let p = self.place(i);
        let admin1 = match p.kind {
            Kind::City => self.regions.get(&(p.country, p.admin1.clone())).map(|&r| self.place(r).name.to_string()),
            Kind::Region => Some(p.name.to_string()),
            _ => None,
        };
        let (feature_class, feature_code) = match p.kind {
            Kind::Continent => ("L", "CONT"),
            Kind::Country => ("A", "PCLI"),
            Kind::Region => ("A", "ADM1"),
            Kind::City => ("P", "PPL"),
        };
        Geo {
            geonameid: p.geonameid,
            name: p.name.to_string(),
            country_code: p.country().to_string(),
            admin1,
            latitude: f64::from(p.latitude),
            longitude: f64::from(p.longitude),
            feature_class: feature_class.into(),
            feature_code: feature_code.into(),
            population: p.population,
            score: (score * 100.0).round() / 100.0,
        }
    }

    /// The entry of `name` in a document whose places vote as `votes` says (the name's own vote
    /// left out, so that a name alone never vouches for itself), with its score.
    fn choose(&self, name: &str, votes: &Votes) -> Option<(u32, f32)> {
        let entries = self.lookup(name);
        if entries.is_empty() {
            return None;
        }
        // A country or continent named as such is that country ("Mali", "U.S.").
        if let Some(e) = entries.iter().find(|e| matches!(self.place(e.place).kind, Kind::Country | Kind::Continent)) {
            return Some((e.place, 0.95));
        }
        let own = votes.own.get(&name_key(name));
        let votes_of = |i: u32| {
            let c = self.place(i).country();
            votes.countries.get(c).copied().unwrap_or(0) - usize::from(own.is_some_and(|o| o == c))
        };
        let all: Vec<u32> = entries.iter().map(|e| e.place).collect();
        let any_votes = votes.countries.iter().any(|(c, &n)| n > usize::from(own.is_some_and(|o| o == c)));
        let best_votes = all.iter().map(|&i| votes_of(i)).max().unwrap_or(0);
        let pick = self.most_likely(&all);
        let primary = entries.iter().any(|e| e.place == pick && e.primary);
        let p = self.place(pick);
        let well_known = match p.kind {
            Kind::City => p.population >= WELL_KNOWN_POPULATION,
            Kind::Region => p.population >= 10 * WELL_KNOWN_POPULATION,
            _ => false,
        };
        if best_votes > 0 {
            let in_doc: Vec<u32> = all.iter().copied().filter(|&i| votes_of(i) == best_votes).collect();
            let local = self.most_likely(&in_doc);
            // A well-known place elsewhere, by its own name, beats a far smaller namesake in the
            // document's country ("Kabul" in a U.S. story is not Cabool, Missouri).
            let (big, small) = (p.population, self.place(local).population);
            if !in_doc.contains(&pick) && well_known && primary && big >= DWARFS * small.max(1) {
                return Some((pick, 0.6));
            }
            let l = self.place(local);
            let region_known = votes.regions.contains(&(l.country().to_string(), l.admin1.to_string()));
            if l.kind == Kind::City && l.population < SMALL_PLACE && self.dense.contains(&l.country) && !region_known {
                return None;
            }
            return Some((local, if in_doc.len() == 1 { 0.9 } else { 0.75 }));
        }
        if !any_votes {
            // The document points nowhere: the most populous reading, if it stands out.
            return (all.len() == 1 || p.population >= SMALL_PLACE).then_some((pick, if all.len() == 1 { 0.7 } else { 0.5 }));
        }
        // The document points elsewhere: only a well-known place, never a small namesake.
        well_known.then_some((pick, 0.5))
    }

    /// The most populous city, unless a region of that name outweighs it tenfold ("Florida", not
    /// a village called Florida; "Gao" the city, not the Gao region).
    fn most_likely(&self, candidates: &[u32]) -> u32 {
        let by_pop = |kind: Kind| candidates.iter().copied().filter(|&i| self.place(i).kind == kind).max_by_key(|&i| (self.place(i).population, std::cmp::Reverse(i)));
        match (by_pop(Kind::City), by_pop(Kind::Region)) {
            (Some(c), Some(r)) if self.place(r).population > 10 * self.place(c).population => r,
            (Some(c), _) => c,
            (None, Some(r)) => r,
            (None, None) => candidates[0],
        }
    }

    /// The countries a document's place names point to (a country named, or a name all of whose
    /// entries lie in one country; each distinct name votes once), and the regions of those names.
    fn votes<'a>(&self, names: impl Iterator<Item = &'a str>) -> Votes {
        let mut votes = Votes::default();
        let mut seen = std::collections::HashSet::new();
        for name in names {
            if !seen.insert(name_key(name)) {
                continue;
            }
            let entries = self.lookup(name);
            let country = entries.iter().find(|e| self.place(e.place).kind == Kind::Country).map(|e| self.place(e.place).country());
            let single = entries.first().map(|e| self.place(e.place).country()).filter(|c| !c.is_empty() && entries.iter().all(|e| self.place(e.place).country() == *c));
            if let Some(c) = country.or(single) {
                *votes.countries.entry(c.to_string()).or_default() += 1;
                votes.own.insert(name_key(name), c.to_string());
            }
            if country.is_none()
                && let Some(c) = single
            {
                for e in &entries {
                    votes.regions.insert((c.to_string(), self.place(e.place).admin1.to_string()));
                }
            }
        }
        votes
    }

    /// Drops each triple whose place only encloses another place of the same action and relation
    /// ("killed in Ramadi, Anbar" keeps Ramadi; "the Vedeno region of southern Chechnya" keeps
    /// Vedeno): the event happened at the specific place. The wider place is a country or region
    /// that the other place lies in by the gazetteer, or one written as its container right after
    /// it (", X", " in X", " region of southern X").
    /// `text` is the record's document (spans index it in code points). Runs after [`Gazetteer::geocode`].
    pub fn keep_most_specific_places(text: &str, record: &mut Record) {
        // The text between two places, read only for the rare pairs of one action.
        let between = |a: usize, b: usize| chars_between(text, a, b);
        fn geo_of(t: &Triple) -> Option<&Geo> {
            t.place.geo.as_ref().and_then(Option::as_ref)
        }
        let inside = |a: &Triple, b: &Triple| -> bool {
            let Some(gb) = geo_of(b).filter(|g| matches!(g.feature_code.as_str(), "PCLI" | "ADM1")) else { return false };
            let written_inside = a.place.end <= b.place.start && encloses_after(&between(a.place.end, b.place.start));
            match geo_of(a) {
                Some(ga) if ga.geonameid == gb.geonameid || ga.feature_code == "PCLI" => false,
                Some(ga) => written_inside || ga.country_code == gb.country_code && (gb.feature_code == "PCLI" || ga.admin1.as_deref() == Some(gb.name.as_str())),
                None => written_inside,
            }
        };
        let triples = &record.triples;
        let drop: Vec<bool> = triples
            .iter()
            .map(|b| {
                triples.iter().any(|a| {
                    a.action.start == b.action.start && a.action.end == b.action.end && a.place_relation == b.place_relation && a.place.start != b.place.start && inside(a, b)
                })
            })
            .collect();
        let mut keep = drop.iter().map(|d| !d);
        record.triples.retain(|_| keep.next().unwrap_or(true));
        keep_one_scene(text, record);
    }

    /// Sets `geo` on every LOC entity and every triple place of `record` (`null` where the
    /// gazetteer has no entry, or none the document allows). A place followed by ", Region" or
    /// ", Country" ("Seattle, Washington", "Saratoga Springs, New York") is read inside it.
    pub fn geocode(&self, record: &mut Record) {
        let names: Vec<String> = record.entities.iter().filter(|e| e.label == "LOC").map(|e| e.text.clone()).chain(record.triples.iter().map(|t| t.place.text.clone())).collect();
        let votes = self.votes(names.iter().map(String::as_str));
        let mut by_span: HashMap<(usize, usize), Option<Geo>> = HashMap::new();
        let locs: Vec<(usize, usize, &str)> = record.entities.iter().filter(|e| e.label == "LOC").map(|e| (e.start, e.end, e.text.as_str())).collect();
        for pair in locs.windows(2) {
            let ((s0, e0, place), (s1, e1, within)) = (pair[0], pair[1]);
            if s1 == e0 + 2
                && let Some((p, w)) = self.within(place, within)
            {
                by_span.insert((s0, e0), Some(self.geo(p, 0.9)));
                by_span.insert((s1, e1), Some(self.geo(w, 0.9)));
            }
        }
        let mut chosen: HashMap<String, Option<Geo>> = HashMap::new();
        let mut geo_of = |start: usize, end: usize, name: &str| match by_span.get(&(start, end)) {
            Some(g) => g.clone(),
            None => chosen.entry(name_key(name)).or_insert_with(|| self.choose(name, &votes).map(|(i, s)| self.geo(i, s))).clone(),
        };
        for e in record.entities.iter_mut().filter(|e| e.label == "LOC") {
            e.geo = Some(geo_of(e.start, e.end, &e.text));
        }
        for t in &mut record.triples {
            t.place.geo = Some(geo_of(t.place.start, t.place.end, &t.place.text));
        }
    }

    /// "Place, Region" or "Place, Country": the most likely city of that name inside a region or
    /// country of the second name, and that region or country.
    fn within(&self, place: &str, within: &str) -> Option<(u32, u32)> {
        let containers: Vec<u32> = self.lookup(within).iter().map(|e| e.place).filter(|&i| matches!(self.place(i).kind, Kind::Region | Kind::Country)).collect();
        let mut best: Option<(u32, u32)> = None;
        for &c in &containers {
            let region = self.place(c);
            let inside: Vec<u32> = self
                .lookup(place)
                .iter()
                .map(|e| e.place)
                .filter(|&i| {
                    let p = self.place(i);
                    p.kind == Kind::City && p.country == region.country && (region.kind == Kind::Country || p.admin1 == region.admin1)
                })
                .collect();
            if inside.is_empty() {
                continue;
            }
            let pick = self.most_likely(&inside);
            if best.is_none_or(|(b, _)| self.place(pick).population > self.place(b).population) {
                best = Some((pick, c));
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Entity;

    fn loc(text: &str) -> Entity {
        Entity { text: text.into(), label: "LOC".into(), start: 0, end: 0, score: None, optional: false, actor_id: None, geo: None }
    }

    fn geocoded(places: &[&str]) -> Vec<Option<Geo>> {
        let mut r = Record::error("d", Default::default(), "x", "y");
        r.entities = places.iter().map(|p| loc(p)).collect();
        Gazetteer::embedded().geocode(&mut r);
        r.entities.into_iter().map(|e| e.geo.expect("every LOC gets geo")).collect()
    }

    #[test]
    fn gao_is_in_mali_given_a_mali_document_and_anefis_stays_null() {
        let g = geocoded(&["Kidal", "Gao", "Anefis", "Mali"]);
        let gao = g[1].as_ref().unwrap();
        assert_eq!((gao.geonameid, gao.country_code.as_str(), gao.feature_class.as_str()), (2457163, "ML", "P"));
        assert!((gao.latitude - 16.27).abs() < 0.1 && (gao.longitude + 0.04).abs() < 0.1, "{gao:?}");
        assert_eq!(g[0].as_ref().unwrap().country_code, "ML");
        assert_eq!(g[0].as_ref().unwrap().admin1.as_deref(), Some("Kidal"));
        assert!(g[2].is_none());
        assert_eq!(g[3].as_ref().unwrap().feature_code, "PCLI");
    }

    #[test]
    fn the_gazetteer_knows_places_by_name() {
        let g = Gazetteer::embedded();
        assert!(g.knows_place("Jenin") && g.knows_place("Hebron") && g.knows_place("the Netherlands") && g.knows_place("Ménaka"));
        assert!(!g.knows_place("Anefis") && !g.knows_place("Reuters"));
    }

    #[test]
    fn names_are_read_through_spelling_and_kind_variants() {
        let g = Gazetteer::embedded();
        let id = |name: &str| geocoded(&[name])[0].as_ref().map(|g| (g.country_code.clone(), g.feature_code.clone()));
        let sy_region = Some(("SY".to_string(), "ADM1".to_string()));
        assert_eq!(id("BEIRUT"), Some(("LB".to_string(), "PPL".to_string())), "a dateline in capitals");
        assert!(!g.knows_place("ISIS") && !g.knows_place("U.N."), "short capitals stay codes only");
        assert_eq!(id("Latakia Governorate"), sy_region);
        assert_eq!(id("Borno State"), Some(("NG".to_string(), "ADM1".to_string())));
        assert_eq!(id("South Darfur"), Some(("SD".to_string(), "ADM1".to_string())));
        assert_eq!(name_key("Dara’a"), name_key("Daraa"));
        assert_eq!(name_key("Grand-Lahou"), name_key("Grand  Lahou"));
        assert!(g.knows_place("Dara’a"));
        // Articles and hyphens: "Deir ez-Zor" written "Deir Ezzor", "Al-Hasakah" written "Hasakah".
        assert_eq!(id("Deir Ezzor").map(|g| g.0), Some("SY".to_string()));
        assert_eq!(id("Hasakah Governorate"), sy_region);
        assert_eq!((compact_key("al hasakah"), compact_key("deir ez zor")), ("hasakah".to_string(), "deirezzor".to_string()));
    }

    #[test]
    fn a_wider_place_of_the_same_action_is_dropped() {
        use crate::record::Span;
        let text = "Troops killed two in Ramadi, Iraq, and in the Vedeno region of southern Chechnya, and in Sinai and Gaza.";
        let span = |t: &str| {
            let b = text.find(t).unwrap();
            let start = text[..b].chars().count();
            Span { text: t.into(), start, end: start + t.chars().count(), ..Default::default() }
        };
        let triple = |place: &str| Triple::at(span("killed"), span(place));
        let mut r = Record::error("d", Default::default(), "x", "y");
        r.triples = ["Ramadi", "Iraq", "Vedeno", "Chechnya", "Sinai", "Gaza"].iter().map(|p| triple(p)).collect();
        r.entities = r.triples.iter().map(|t| loc(&t.place.text)).collect();
        Gazetteer::embedded().geocode(&mut r);
        Gazetteer::keep_most_specific_places(text, &mut r);
        let kept: Vec<&str> = r.triples.iter().map(|t| t.place.text.as_str()).collect();
        assert_eq!(kept, ["Ramadi", "Vedeno", "Sinai", "Gaza"], "Iraq holds Ramadi; Chechnya is written as Vedeno's container; a list is no container");
        assert!(encloses_after(", ") && encloses_after(" region of southern ") && encloses_after(" in the ") && !encloses_after(" and ") && !encloses_after(" city of "));
    }

    #[test]
    fn an_action_keeps_one_scene_or_one_list() {
        use crate::record::Span;
        let kept = |text: &str, action: &str, places: &[&str]| -> Vec<String> {
            let span = |t: &str| {
                let b = text.find(t).unwrap();
                let start = text[..b].chars().count();
                Span { text: t.into(), start, end: start + t.chars().count(), ..Default::default() }
            };
            let mut r = Record::error("d", Default::default(), "x", "y");
            r.triples = places.iter().map(|p| Triple::at(span(action), span(p))).collect();
            r.entities = r.triples.iter().map(|t| loc(&t.place.text)).collect();
            Gazetteer::embedded().geocode(&mut r);
            Gazetteer::keep_most_specific_places(text, &mut r);
            r.triples.iter().map(|t| t.place.text.clone()).collect()
        };
        assert_eq!(kept("Crowds protested against the United States in Auckland.", "protested", &["United States", "Auckland"]), ["Auckland"], "a city before a country");
        assert_eq!(kept("The army stormed Sharifah overnight near the city of Palmyra.", "stormed", &["Sharifah", "Palmyra"]), ["Sharifah"], "the nearer of two cities");
        let listed = ["Irobo", "Grand Lahou", "Fresco", "Sassandra"];
        assert_eq!(kept("Attacks occurred in Irobo, Grand Lahou, Fresco and in the Sassandra region.", "occurred", &listed), listed, "a list stays whole");
        assert_eq!(
            kept("Attacks occurred in Irobo, Grand Lahou, Fresco and in the Sassandra region.", "occurred", &["Irobo", "Fresco"]),
            ["Irobo", "Fresco"],
            "an untagged name between list items"
        );
    }

    #[test]
    fn the_document_decides_between_namesakes() {
        // Gao is also a town in Burkina Faso.
        let bf = geocoded(&["Ouagadougou", "Gao"]);
        assert_eq!(bf[1].as_ref().unwrap().country_code, "BF");
        // A small namesake elsewhere is not taken when the document points to another country.
        let g = geocoded(&["Italy", "Livorno", "Paris", "Menaka", "Herat", "Kabul", "Washington", "United States"]);
        assert_eq!(g[5].as_ref().unwrap().geonameid, 1138958, "Kabul, not Cabool (US) or Kābūl (IL): {:?}", g[5]);
        assert_eq!(g[1].as_ref().unwrap().country_code, "IT");
        assert_eq!(g[2].as_ref().unwrap().country_code, "FR", "Paris is well known");
        assert!(g[3].is_none(), "Ménaka (ML, 14,000 people) is not taken in an Italian document: {:?}", g[3]);
    }

    #[test]
    fn alternate_names_countries_and_regions() {
        let g = geocoded(&["Mecca", "U.S.", "Florida", "Saudi Arabia"]);
        assert_eq!(g[0].as_ref().unwrap().geonameid, 104515, "Makkah");
        assert_eq!(g[1].as_ref().unwrap().geonameid, 6252001);
        let fl = g[2].as_ref().unwrap();
        assert_eq!((fl.feature_code.as_str(), fl.country_code.as_str()), ("ADM1", "US"), "{fl:?}");
    }

    #[test]
    fn a_place_followed_by_its_region_is_read_inside_it() {
        let mut r = Record::error("d", Default::default(), "x", "y");
        // "in Seattle, Washington and in Washington": offsets as in a text, the comma between the first two.
        let at = |text: &str, start: usize| Entity { start, end: start + text.len(), ..loc(text) };
        r.entities = vec![at("Seattle", 3), at("Washington", 12), at("Washington", 30), at("Saratoga Springs", 50), at("New York", 68)];
        Gazetteer::embedded().geocode(&mut r);
        let g: Vec<Geo> = r.entities.into_iter().map(|e| e.geo.unwrap().unwrap()).collect();
        assert_eq!((g[0].name.as_str(), g[0].admin1.as_deref()), ("Seattle", Some("Washington")));
        assert_eq!((g[1].geonameid, g[1].feature_code.as_str()), (5815135, "ADM1"), "the state after a comma");
        assert_eq!(g[2].geonameid, 4140963, "the capital alone");
        assert_eq!((g[4].geonameid, g[3].admin1.as_deref()), (5128638, Some("New York")));
    }

    #[test]
    fn embedded_gazetteer_loads_fast() {
        let rss = || std::fs::read_to_string("/proc/self/status").ok().and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse::<f64>().ok());
        let (before, clock) = (rss(), std::time::Instant::now());
        let g = Gazetteer::embedded();
        let seconds = clock.elapsed().as_secs_f64();
        eprintln!("gazetteer: {} entries loaded in {seconds:.3} s, RSS +{:.0} MiB", g.len(), rss().zip(before).map_or(0.0, |(a, b)| (a - b) / 1024.0));
        assert!(g.len() > 170_000, "{}", g.len());
        // 0.3 s of CPU in release (wall time on a loaded machine more); the bound is loose for debug builds.
        assert!(clock.elapsed().as_secs_f64() < 5.0);
    }
}
