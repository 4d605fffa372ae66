//! Coverage zones of stores: polygons read from GeoJSON, KML, KMZ or CSV, checked, kept as
//! GeoJSON text with their bounding boxes, and tested against a point.
//!
//! Rules decided here, where the contract leaves room:
//! - Coordinates are WGS 84 longitude/latitude; GeoJSON and KML give `lng,lat`, CSV rows `lat,lng`.
//! - A ring that is not closed is closed; every ring needs three distinct points and an area.
//! - Holes must lie inside their polygon's outer ring; a point in a hole is not covered.
//! - A point on a zone's border is covered.
//! - Rings may not cross themselves or each other (a bow-tie is refused).
//! - One upload holds 1 to [`MAX_POLYGONS`] polygons of at most [`MAX_POINTS`] points each and
//!   [`MAX_TOTAL_POINTS`] in all (the crossing check compares every pair of a ring's edges).

use std::io::Read;

use geo::{Area, BoundingRect, Contains, Distance, Haversine, Intersects, Validation};
use geo::{Coord, LineString, MultiPolygon, Point, Polygon};

/// Most polygons one upload may hold.
pub const MAX_POLYGONS: usize = 1000;
/// Most points one polygon (all its rings) may hold.
pub const MAX_POINTS: usize = 2_000;
/// Most points one upload may hold.
pub const MAX_TOTAL_POINTS: usize = 20_000;

souk_kernel::wire_enum!(
    /// The file formats zones are uploaded in.
    ZoneFormat {
        /// GeoJSON: a Polygon, MultiPolygon, Feature or FeatureCollection.
        GeoJson = "geojson",
        /// KML (Google Earth) with Polygon or MultiGeometry placemarks.
        Kml = "kml",
        /// A zip archive holding one KML document.
        Kmz = "kmz",
        /// `lat,lng` rows; a blank line starts the next ring.
        Csv = "csv",
    }
);

impl ZoneFormat {
    /// The format a file name's extension names.
    pub fn from_file_name(name: &str) -> Option<ZoneFormat> {
        let lower = name.to_ascii_lowercase();
        let extension = lower.rsplit_once('.').map(|(_, e)| e)?;
        match extension {
            "geojson" | "json" => Some(ZoneFormat::GeoJson),
            "kml" => Some(ZoneFormat::Kml),
            "kmz" | "zip" => Some(ZoneFormat::Kmz),
            "csv" | "txt" => Some(ZoneFormat::Csv),
            _ => None,
        }
    }

    /// The format a media type (without parameters) names.
    pub fn from_media_type(media_type: &str) -> Option<ZoneFormat> {
        match media_type.to_ascii_lowercase().as_str() {
            "application/json" | "application/geo+json" => Some(ZoneFormat::GeoJson),
            "application/vnd.google-earth.kml+xml" | "application/xml" | "text/xml" => Some(ZoneFormat::Kml),
            "application/vnd.google-earth.kmz" | "application/zip" => Some(ZoneFormat::Kmz),
            "text/csv" => Some(ZoneFormat::Csv),
            _ => None,
        }
    }
}

/// A checked coverage polygon with its bounding box.
#[derive(Debug, Clone, PartialEq)]
pub struct ZoneShape {
    /// The polygon, longitude as x and latitude as y.
    pub polygon: Polygon<f64>,
    /// Southern edge of the bounding box.
    pub min_lat: f64,
    /// Northern edge.
    pub max_lat: f64,
    /// Western edge.
    pub min_lng: f64,
    /// Eastern edge.
    pub max_lng: f64,
}

impl ZoneShape {
    /// Wraps a checked polygon and computes its bounding box.
    fn new(polygon: Polygon<f64>) -> Option<ZoneShape> {
        let rect = polygon.bounding_rect()?;
        Some(ZoneShape {
            min_lat: rect.min().y,
            max_lat: rect.max().y,
            min_lng: rect.min().x,
            max_lng: rect.max().x,
            polygon,
        })
    }

    /// The polygon as a GeoJSON `Polygon` geometry.
    pub fn to_geojson(&self) -> serde_json::Value {
        let ring = |line: &LineString<f64>| -> Vec<[f64; 2]> { line.coords().map(|c| [c.x, c.y]).collect() };
        let mut rings = vec![ring(self.polygon.exterior())];
        rings.extend(self.polygon.interiors().iter().map(ring));
        serde_json::json!({"type": "Polygon", "coordinates": rings})
    }

    /// Reads back a polygon stored by [`ZoneShape::to_geojson`].
    pub fn from_geojson_text(text: &str) -> Result<ZoneShape, String> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let mut polygons = from_geojson_value(&value)?;
        if polygons.len() != 1 {
            return Err("a stored zone holds exactly one polygon".into());
        }
        ZoneShape::new(polygons.remove(0)).ok_or_else(|| "the stored zone is empty".into())
    }

    /// True when the point (`lat`, `lng`) lies in the polygon or on its border, not in a hole.
    pub fn covers(&self, lat: f64, lng: f64) -> bool {
        if lat < self.min_lat || lat > self.max_lat || lng < self.min_lng || lng > self.max_lng {
            return false;
        }
        self.polygon.intersects(&Point::new(lng, lat))
    }
}

/// Great-circle distance in metres between two `(lat, lng)` points.
pub fn distance_meters(from: (f64, f64), to: (f64, f64)) -> f64 {
    Haversine.distance(Point::new(from.1, from.0), Point::new(to.1, to.0))
}

/// Reads and checks the polygons of an upload; the message says what is wrong.
pub fn parse_zones(format: ZoneFormat, bytes: &[u8]) -> Result<Vec<ZoneShape>, String> {
    let polygons = match format {
        ZoneFormat::GeoJson => {
            let value: serde_json::Value =
                serde_json::from_slice(bytes).map_err(|e| format!("the GeoJSON is not valid JSON: {e}"))?;
            from_geojson_value(&value)?
        }
        ZoneFormat::Kml => from_kml(text_of(bytes)?)?,
        ZoneFormat::Kmz => from_kml(&kml_in_kmz(bytes)?)?,
        ZoneFormat::Csv => from_csv(text_of(bytes)?)?,
    };
    check_polygons(polygons)
}

fn text_of(bytes: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(bytes).map_err(|_| "the file is not UTF-8 text".to_owned())
}

fn check_polygons(polygons: Vec<Polygon<f64>>) -> Result<Vec<ZoneShape>, String> {
    if polygons.is_empty() {
        return Err("the upload holds no polygon".into());
    }
    if polygons.len() > MAX_POLYGONS {
        return Err(format!(
            "the upload holds {} polygons; at most {MAX_POLYGONS} are allowed",
            polygons.len()
        ));
    }
    let total: usize = polygons.iter().map(point_count).sum();
    if total > MAX_TOTAL_POINTS {
        return Err(format!("the upload holds {total} points; at most {MAX_TOTAL_POINTS} are allowed"));
    }
    polygons
        .into_iter()
        .enumerate()
        .map(|(index, polygon)| {
            check_polygon(&polygon).map_err(|message| format!("polygon {}: {message}", index + 1))?;
            ZoneShape::new(polygon).ok_or_else(|| format!("polygon {} is empty", index + 1))
        })
        .collect()
}

fn check_ring(ring: &LineString<f64>, what: &str) -> Result<(), String> {
    for c in ring.coords() {
        if !c.x.is_finite() || !c.y.is_finite() {
            return Err(format!("the {what} has a coordinate that is not a number"));
        }
        if !(-180.0..=180.0).contains(&c.x) {
            return Err(format!("the {what} has longitude {} outside -180..180", c.x));
        }
        if !(-90.0..=90.0).contains(&c.y) {
            return Err(format!("the {what} has latitude {} outside -90..90", c.y));
        }
    }
    let distinct: std::collections::HashSet<(u64, u64)> =
        ring.coords().map(|c| (c.x.to_bits(), c.y.to_bits())).collect();
    if distinct.len() < 3 {
        return Err(format!("the {what} needs at least three distinct points"));
    }
    Ok(())
}

fn check_area(ring: &LineString<f64>, what: &str) -> Result<(), String> {
    if Polygon::new(ring.clone(), vec![]).unsigned_area() == 0.0 {
        return Err(format!("the {what} encloses no area (its points are on one line)"));
    }
    Ok(())
}

fn point_count(polygon: &Polygon<f64>) -> usize {
    polygon.exterior().0.len() + polygon.interiors().iter().map(|r| r.0.len()).sum::<usize>()
}

fn check_polygon(polygon: &Polygon<f64>) -> Result<(), String> {
    let points = point_count(polygon);
    if points > MAX_POINTS {
        return Err(format!("it has {points} points; at most {MAX_POINTS} are allowed"));
    }
    check_ring(polygon.exterior(), "outer ring")?;
    for (index, hole) in polygon.interiors().iter().enumerate() {
        check_ring(hole, &format!("hole {}", index + 1))?;
    }
    let outer = Polygon::new(polygon.exterior().clone(), vec![]);
    for (index, hole) in polygon.interiors().iter().enumerate() {
        if !outer.contains(&Polygon::new(hole.clone(), vec![])) {
            return Err(format!("hole {} is not inside the outer ring", index + 1));
        }
    }
    // Crossing edges (a bow-tie) and holes that overlap each other or touch the outer ring
    // along a line are refused with geo's reason.
    polygon.check_validation().map_err(|problem| problem.to_string())?;
    check_area(polygon.exterior(), "outer ring")?;
    for (index, hole) in polygon.interiors().iter().enumerate() {
        check_area(hole, &format!("hole {}", index + 1))?;
    }
    Ok(())
}

/// A ring from `[lng, lat]` pairs, closed when it was not.
fn ring_of(coords: Vec<Coord<f64>>) -> LineString<f64> {
    let mut line = LineString::new(coords);
    line.close();
    line
}

fn position(value: &serde_json::Value) -> Result<Coord<f64>, String> {
    let pair = value.as_array().filter(|p| p.len() >= 2).ok_or("a GeoJSON position must be [lng, lat]")?;
    let x = pair[0].as_f64().ok_or("a GeoJSON longitude must be a number")?;
    let y = pair[1].as_f64().ok_or("a GeoJSON latitude must be a number")?;
    Ok(Coord { x, y })
}

fn polygon_coords(value: &serde_json::Value) -> Result<Polygon<f64>, String> {
    let rings = value.as_array().ok_or("Polygon coordinates must be an array of rings")?;
    let mut rings = rings
        .iter()
        .map(|ring| {
            let points = ring.as_array().ok_or("a ring must be an array of positions")?;
            points.iter().map(position).collect::<Result<Vec<_>, _>>().map(ring_of)
        })
        .collect::<Result<Vec<_>, String>>()?;
    if rings.is_empty() {
        return Err("a Polygon needs an outer ring".into());
    }
    let exterior = rings.remove(0);
    Ok(Polygon::new(exterior, rings))
}

fn from_geojson_value(value: &serde_json::Value) -> Result<Vec<Polygon<f64>>, String> {
    let kind = value.get("type").and_then(|t| t.as_str()).ok_or("the GeoJSON object has no \"type\"")?;
    let coordinates = || value.get("coordinates").ok_or(format!("the {kind} has no \"coordinates\""));
    match kind {
        "Polygon" => Ok(vec![polygon_coords(coordinates()?)?]),
        "MultiPolygon" => coordinates()?
            .as_array()
            .ok_or("MultiPolygon coordinates must be an array of polygons")?
            .iter()
            .map(polygon_coords)
            .collect(),
        "GeometryCollection" => {
            let geometries = value
                .get("geometries")
                .and_then(|g| g.as_array())
                .ok_or("the GeometryCollection has no \"geometries\"")?;
            let mut all = Vec::new();
            for geometry in geometries {
                all.extend(from_geojson_value(geometry)?);
            }
            Ok(all)
        }
        "Feature" => match value.get("geometry") {
            Some(geometry) if !geometry.is_null() => from_geojson_value(geometry),
            _ => Err("a Feature has no geometry".into()),
        },
        "FeatureCollection" => {
            let features = value
                .get("features")
                .and_then(|f| f.as_array())
                .ok_or("the FeatureCollection has no \"features\"")?;
            let mut all = Vec::new();
            for feature in features {
                all.extend(from_geojson_value(feature)?);
            }
            Ok(all)
        }
        other => Err(format!(
            "a {other} is not an area; send a Polygon, MultiPolygon, Feature or FeatureCollection"
        )),
    }
}

fn from_kml(text: &str) -> Result<Vec<Polygon<f64>>, String> {
    let document: kml::Kml<f64> = text.parse().map_err(|e| format!("the KML cannot be read: {e}"))?;
    let collection = geo::GeometryCollection::try_from(document)
        .map_err(|e| format!("the KML holds no readable geometry: {e}"))?;
    let mut polygons = Vec::new();
    collect_polygons(geo::Geometry::GeometryCollection(collection), &mut polygons);
    Ok(polygons)
}

fn collect_polygons(geometry: geo::Geometry<f64>, into: &mut Vec<Polygon<f64>>) {
    match geometry {
        geo::Geometry::Polygon(p) => into.push(p),
        geo::Geometry::MultiPolygon(MultiPolygon(ps)) => into.extend(ps),
        geo::Geometry::GeometryCollection(c) => c.0.into_iter().for_each(|g| collect_polygons(g, into)),
        _ => {}
    }
}

/// Largest KML document unpacked from a KMZ.
const KMZ_UNPACKED_LIMIT: u64 = 20 * 1024 * 1024;

fn kml_in_kmz(bytes: &[u8]) -> Result<String, String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| format!("the KMZ is not a zip archive: {e}"))?;
    for index in 0..archive.len() {
        let entry = archive.by_index(index).map_err(|e| format!("the KMZ cannot be read: {e}"))?;
        if !entry.name().is_ok_and(|name| name.to_ascii_lowercase().ends_with(".kml")) {
            continue;
        }
        let mut text = String::new();
        entry
            .take(KMZ_UNPACKED_LIMIT + 1)
            .read_to_string(&mut text)
            .map_err(|e| format!("the KML in the KMZ cannot be read: {e}"))?;
        if text.len() as u64 > KMZ_UNPACKED_LIMIT {
            return Err("the KML in the KMZ is larger than 20 MiB".into());
        }
        return Ok(text);
    }
    Err("the KMZ holds no .kml document".into())
}

/// CSV rings: `lat,lng` per row (a `lat,lng` header row is skipped); a blank line ends a ring.
/// The first ring of a polygon is its outer ring; a later ring inside the current polygon's outer
/// ring is a hole of it, any other ring starts a new polygon.
fn from_csv(text: &str) -> Result<Vec<Polygon<f64>>, String> {
    let mut rings: Vec<LineString<f64>> = Vec::new();
    let mut current: Vec<Coord<f64>> = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            if !current.is_empty() {
                rings.push(ring_of(std::mem::take(&mut current)));
            }
            continue;
        }
        let cells: Vec<&str> = line.split([',', ';']).map(str::trim).collect();
        if cells.len() < 2 {
            return Err(format!("CSV line {}: expected lat,lng", number + 1));
        }
        match (cells[0].parse::<f64>(), cells[1].parse::<f64>()) {
            (Ok(lat), Ok(lng)) => current.push(Coord { x: lng, y: lat }),
            _ if number == 0 && cells[0].eq_ignore_ascii_case("lat") => {}
            _ => return Err(format!("CSV line {}: {line:?} is not lat,lng numbers", number + 1)),
        }
    }
    if !current.is_empty() {
        rings.push(ring_of(current));
    }
    let mut polygons: Vec<Polygon<f64>> = Vec::new();
    for ring in rings {
        let inside_last = polygons.last().is_some_and(|last| {
            Polygon::new(last.exterior().clone(), vec![]).contains(&Polygon::new(ring.clone(), vec![]))
        });
        match polygons.last_mut() {
            Some(last) if inside_last => last.interiors_push(ring),
            _ => polygons.push(Polygon::new(ring, vec![])),
        }
    }
    Ok(polygons)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQUARE_WITH_HOLE: &str = r#"{"type": "Polygon", "coordinates": [
        [[38.70, 9.00], [38.80, 9.00], [38.80, 9.10], [38.70, 9.10], [38.70, 9.00]],
        [[38.74, 9.04], [38.76, 9.04], [38.76, 9.06], [38.74, 9.06], [38.74, 9.04]]
    ]}"#;

    #[test]
    fn a_hole_is_not_covered_but_the_ring_around_it_is() {
        let zones = parse_zones(ZoneFormat::GeoJson, SQUARE_WITH_HOLE.as_bytes()).unwrap();
        assert_eq!(zones.len(), 1);
        assert!(zones[0].covers(9.02, 38.72));
        assert!(!zones[0].covers(9.05, 38.75));
        assert!(!zones[0].covers(9.20, 38.75));
        assert!(zones[0].covers(9.00, 38.75), "the border is covered");
        assert_eq!((zones[0].min_lat, zones[0].max_lng), (9.00, 38.80));
    }

    #[test]
    fn stored_geojson_reads_back_the_same_polygon() {
        let zone = parse_zones(ZoneFormat::GeoJson, SQUARE_WITH_HOLE.as_bytes()).unwrap().remove(0);
        let again = ZoneShape::from_geojson_text(&zone.to_geojson().to_string()).unwrap();
        assert_eq!(again, zone);
    }

    #[test]
    fn features_and_collections_yield_every_polygon() {
        let text = r#"{"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,0]]]}},
            {"type": "Feature", "properties": {}, "geometry": {"type": "MultiPolygon", "coordinates": [
                [[[2,2],[3,2],[3,3],[2,2]]], [[[4,4],[5,4],[5,5]]]
            ]}}
        ]}"#;
        assert_eq!(parse_zones(ZoneFormat::GeoJson, text.as_bytes()).unwrap().len(), 3);
    }

    #[test]
    fn bad_geometry_is_refused_with_a_reason() {
        let ring: Vec<String> =
            (0..2001).map(|i| format!("[{}, {}]", f64::from(i).cos(), f64::from(i).sin())).collect();
        let big = format!(r#"{{"type": "Polygon", "coordinates": [[{}]]}}"#, ring.join(","));
        let cases = [
            (r#"{"type": "Point", "coordinates": [1, 2]}"#, "not an area"),
            (r#"{"type": "Polygon", "coordinates": [[[0,0],[1,1],[0,0]]]}"#, "three distinct points"),
            (r#"{"type": "Polygon", "coordinates": [[[0,0],[1,1],[2,2],[0,0]]]}"#, "no area"),
            (r#"{"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,200],[0,0]]]}"#, "latitude 200"),
            (
                r#"{"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,1]], [[5,5],[6,5],[6,6],[5,5]]]}"#,
                "not inside",
            ),
            (r#"{"type": "FeatureCollection", "features": []}"#, "no polygon"),
            (big.as_str(), "at most 2000"),
            (r#"{"type": "Polygon", "coordinates": [[[0,0],[2,2],[2,0],[0,2],[0,0]]]}"#, "self-intersection"),
            (
                r#"{"type": "Polygon", "coordinates": [[[0,0],[10,0],[10,10],[0,10]], [[1,1],[5,1],[5,5],[1,5]], [[4,4],[8,4],[8,8],[4,8]]]}"#,
                "intersect",
            ),
            ("not json", "not valid JSON"),
        ];
        for (text, expected) in cases {
            let error = parse_zones(ZoneFormat::GeoJson, text.as_bytes()).unwrap_err();
            assert!(error.contains(expected), "{text}: {error}");
        }
    }

    #[test]
    fn csv_rings_are_lat_lng_and_a_ring_inside_is_a_hole() {
        let text = "lat,lng\n9.0,38.7\n9.0,38.8\n9.1,38.8\n9.1,38.7\n\n9.04,38.74\n9.04,38.76\n9.06,38.76\n9.06,38.74\n\n10,40\n10,41\n11,41\n";
        let zones = parse_zones(ZoneFormat::Csv, text.as_bytes()).unwrap();
        assert_eq!(zones.len(), 2);
        assert_eq!(zones[0].polygon.interiors().len(), 1);
        assert!(zones[0].covers(9.02, 38.72) && !zones[0].covers(9.05, 38.75));
        assert!(zones[1].covers(10.2, 40.5));
        assert!(parse_zones(ZoneFormat::Csv, b"9.0;x\n").unwrap_err().contains("line 1"));
    }

    #[test]
    fn kml_placemarks_and_kmz_archives_are_read() {
        let kml = r#"<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>Bole</name><Polygon>
<outerBoundaryIs><LinearRing><coordinates>38.7,9.0 38.8,9.0 38.8,9.1 38.7,9.1 38.7,9.0</coordinates></LinearRing></outerBoundaryIs>
<innerBoundaryIs><LinearRing><coordinates>38.74,9.04 38.76,9.04 38.76,9.06 38.74,9.06 38.74,9.04</coordinates></LinearRing></innerBoundaryIs>
</Polygon></Placemark></Document></kml>"#;
        let zones = parse_zones(ZoneFormat::Kml, kml.as_bytes()).unwrap();
        assert_eq!(zones.len(), 1);
        assert!(zones[0].covers(9.02, 38.72) && !zones[0].covers(9.05, 38.75));

        let mut archive = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        archive.start_file("doc.kml", zip::write::SimpleFileOptions::default()).unwrap();
        std::io::Write::write_all(&mut archive, kml.as_bytes()).unwrap();
        let bytes = archive.finish().unwrap().into_inner();
        assert_eq!(parse_zones(ZoneFormat::Kmz, &bytes).unwrap(), zones);
        assert!(parse_zones(ZoneFormat::Kmz, b"PK-not-really").is_err());
        assert!(parse_zones(ZoneFormat::Kml, b"<kml><Polygon>").is_err());
    }

    #[test]
    fn distances_are_great_circle_metres() {
        let d = distance_meters((9.0, 38.7), (9.0, 38.8));
        assert!((d - 10_983.0).abs() < 50.0, "{d}");
    }

    #[test]
    fn formats_are_known_by_name_and_media_type() {
        assert_eq!(ZoneFormat::from_file_name("zones.KMZ"), Some(ZoneFormat::Kmz));
        assert_eq!(ZoneFormat::from_media_type("application/geo+json"), Some(ZoneFormat::GeoJson));
        assert_eq!(ZoneFormat::from_media_type("image/png"), None);
    }
}
