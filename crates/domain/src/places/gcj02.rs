//! GCJ-02 (国测局坐标, "Mars coordinates"): the shifted datum that 高德, 腾讯 and other Chinese
//! map providers draw their tiles in. Our data is WGS-84 (天地图's CGCS2000 differs from it by
//! centimetres); a WGS-84 point drawn on GCJ-02 tiles lands a few hundred metres off, so vector
//! layers are shifted to GCJ-02 before they are drawn on such tiles, and a point tapped on them
//! is shifted back. This is the published conversion (Krasovsky 1940 ellipsoid, the offset
//! polynomials); outside China it is the identity. `static/map.js` carries the same formulas for
//! the browser, and a browser test checks that both agree.

use super::LngLat;

const A: f64 = 6_378_245.0;
const EE: f64 = 0.006_693_421_622_965_943;

/// Whether the shift applies: the bounding box the conversion is defined for.
pub fn in_china(p: LngLat) -> bool {
    (72.004..=137.8347).contains(&p.x) && (0.8293..=55.8271).contains(&p.y)
}

fn shift_lat(x: f64, y: f64) -> f64 {
    use std::f64::consts::PI;
    let mut r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    r
}

fn shift_lng(x: f64, y: f64) -> f64 {
    use std::f64::consts::PI;
    let mut r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    r
}

/// A WGS-84 position as GCJ-02.
pub fn wgs84_to_gcj02(p: LngLat) -> LngLat {
    if !in_china(p) {
        return p;
    }
    let (dlat, dlng) = (shift_lat(p.x - 105.0, p.y - 35.0), shift_lng(p.x - 105.0, p.y - 35.0));
    let rad = p.y.to_radians();
    let magic = 1.0 - EE * rad.sin() * rad.sin();
    let sqrt_magic = magic.sqrt();
    let dlat = dlat * 180.0 / ((A * (1.0 - EE)) / (magic * sqrt_magic) * std::f64::consts::PI);
    let dlng = dlng * 180.0 / (A / sqrt_magic * rad.cos() * std::f64::consts::PI);
    LngLat { x: p.x + dlng, y: p.y + dlat }
}

/// A GCJ-02 position back to WGS-84, by fixed-point iteration on [`wgs84_to_gcj02`] (to well
/// under a centimetre; the one-step inverse often quoted is off by metres).
pub fn gcj02_to_wgs84(p: LngLat) -> LngLat {
    if !in_china(p) {
        return p;
    }
    let mut w = p;
    for _ in 0..10 {
        let g = wgs84_to_gcj02(w);
        let (dx, dy) = (g.x - p.x, g.y - p.y);
        w = LngLat { x: w.x - dx, y: w.y - dy };
        if dx.abs() < 1e-10 && dy.abs() < 1e-10 {
            break;
        }
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: LngLat, b: (f64, f64), eps: f64) -> bool {
        (a.x - b.0).abs() < eps && (a.y - b.1).abs() < eps
    }

    #[test]
    fn known_points_convert_as_published() {
        // (WGS-84, GCJ-02) pairs published with widely used implementations of the conversion:
        // the first to the last digit; the others, from implementations whose constants differ in
        // the last places, to 1e-6° (a tenth of a metre).
        let table = [
            ((116.404, 39.915), (116.410_244_499_169_38, 39.916_404_281_501_64), 1e-11),
            ((116.0, 40.0), (116.006_141_221_789, 40.001_213_650_174), 1e-6),
            ((121.091_707_7, 30.610_777_9), (121.096_269_355_750_27, 30.608_604_331_756_705), 1e-6),
        ];
        for ((lng, lat), want, eps) in table {
            let got = wgs84_to_gcj02(LngLat { x: lng, y: lat });
            assert!(close(got, want, eps), "{lng},{lat} → {got:?}, want {want:?}");
        }
    }

    #[test]
    fn the_inverse_returns_the_point_and_matches_a_published_one() {
        // GCJ-02 (123, 45) is WGS-84 (122.99395597, 44.99804071) to 1e-5.
        let w = gcj02_to_wgs84(LngLat { x: 123.0, y: 45.0 });
        assert!(close(w, (122.993_955_97, 44.998_040_71), 1e-5), "{w:?}");
        // Jinhua's street: the shift is hundreds of metres, the round trip below a millimetre.
        let p = LngLat { x: 119.6605, y: 29.0895 };
        let g = wgs84_to_gcj02(p);
        assert!((g.x - p.x).abs() > 0.003, "the shift is real: {g:?}");
        let back = gcj02_to_wgs84(g);
        assert!(close(back, (p.x, p.y), 1e-8), "{back:?}");
    }

    #[test]
    fn outside_china_nothing_moves() {
        for p in [LngLat { x: 183.0, y: 45.0 }, LngLat { x: 2.35, y: 48.85 }, LngLat { x: 116.4, y: 60.0 }] {
            assert_eq!(wgs84_to_gcj02(p), p);
            assert_eq!(gcj02_to_wgs84(p), p);
        }
    }
}
