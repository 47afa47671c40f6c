//! The errors of geometry input, with messages a user can read.

/// Why a boundary polygon (of a grid or a community) is refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GeometryError {
    /// A ring has fewer than three distinct vertices.
    #[error("多边形至少需要 3 个不同的顶点")]
    TooFewPoints,
    /// A coordinate is not a finite WGS84 position.
    #[error("坐标无效（{lng}, {lat}）：经度须在 -180 到 180 之间，纬度须在 -90 到 90 之间")]
    BadCoordinate { lng: f64, lat: f64 },
    /// Two edges cross or touch (a ring crossing itself, a spike, or a hole touching another ring).
    #[error("多边形自相交（约在 {lng:.5}, {lat:.5} 附近）")]
    SelfIntersection { lng: f64, lat: f64 },
    /// All vertices lie on one line.
    #[error("多边形面积为零")]
    ZeroArea,
    /// A hole (interior ring, counted from 0) is itself not a valid ring.
    #[error("第 {n} 个内洞无效：{reason}", n = hole + 1)]
    InvalidHole { hole: usize, reason: Box<GeometryError> },
    /// A hole lies outside the exterior ring.
    #[error("第 {n} 个内洞不在外边界之内", n = hole + 1)]
    HoleOutside { hole: usize },
    /// One hole lies inside another.
    #[error("第 {a} 个内洞与第 {b} 个内洞重叠", a = first + 1, b = second + 1)]
    HolesOverlap { first: usize, second: usize },
    /// The GeoJSON holds another geometry type (the name of the type found).
    #[error("几何类型应为 Polygon（面），实际为 {0}")]
    NotAPolygon(String),
    /// The text is not GeoJSON.
    #[error("GeoJSON 格式错误（第 {line} 行第 {column} 列）")]
    BadGeoJson { line: usize, column: usize },
    /// A GeoJSON position has fewer than two numbers.
    #[error("GeoJSON 坐标须包含经度和纬度两个数值")]
    BadPosition,
}
