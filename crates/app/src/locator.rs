//! The in-memory point locator (used by `/api/v1/locate` and by case intake): every grid polygon in an R-tree and every building in a point
//! index, rebuilt when the database's geometry revision moves (checked at most every few
//! seconds, so several server processes on one database converge).

use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};
use tongxin_domain::places::{GridLocator, LngLat, PointIndex, polygon_from_geojson_str};
use tongxin_store::{Store, StoreError};

const RECHECK: Duration = Duration::from_secs(5);
/// How far a building may be from the point to count as "at" it.
pub const BUILDING_RADIUS_M: f64 = 25.0;

pub struct GridInfo {
    pub code: String,
    pub name: String,
    pub community_code: Option<String>,
}

pub struct Located {
    pub revision: i64,
    pub grids: GridLocator<usize>,
    pub info: Vec<GridInfo>,
    pub buildings: PointIndex<i64>,
}

pub struct LocatorCache {
    current: RwLock<Arc<Located>>,
    last_check: Mutex<Instant>,
}

async fn build(store: &Store) -> Result<Located, StoreError> {
    let revision = store.regions().geometry_revision().await?;
    let shapes = store.regions().shapes("", "grid").await?;
    let mut items = Vec::with_capacity(shapes.len());
    let mut info = Vec::with_capacity(shapes.len());
    for s in shapes {
        let Some(polygon) = s.geometry.as_deref().and_then(|g| polygon_from_geojson_str(g).ok()) else {
            continue;
        };
        items.push((info.len(), polygon));
        info.push(GridInfo { code: s.code, name: s.name, community_code: s.parent_code });
    }
    let points = store.places().building_points().await?;
    let origin =
        points.first().map(|(_, lng, lat)| LngLat { x: *lng, y: *lat }).unwrap_or(LngLat { x: 119.66, y: 29.08 });
    let buildings =
        PointIndex::new(origin, points.into_iter().map(|(id, lng, lat)| (id, LngLat { x: lng, y: lat })).collect());
    Ok(Located { revision, grids: GridLocator::new(items), info, buildings })
}

impl LocatorCache {
    pub async fn load(store: &Store) -> Result<LocatorCache, StoreError> {
        Ok(LocatorCache { current: RwLock::new(Arc::new(build(store).await?)), last_check: Mutex::new(Instant::now()) })
    }

    /// The current index, rebuilt first if another process (or this one) changed geometry.
    pub async fn get(&self, store: &Store) -> Result<Arc<Located>, StoreError> {
        let due = {
            let mut last = self.last_check.lock().expect("locator lock");
            let due = last.elapsed() >= RECHECK;
            if due {
                *last = Instant::now();
            }
            due
        };
        if due && store.regions().geometry_revision().await? != self.current.read().expect("locator lock").revision {
            self.refresh(store).await?;
        }
        Ok(self.current.read().expect("locator lock").clone())
    }

    pub async fn refresh(&self, store: &Store) -> Result<(), StoreError> {
        let fresh = Arc::new(build(store).await?);
        *self.current.write().expect("locator lock") = fresh;
        Ok(())
    }
}
