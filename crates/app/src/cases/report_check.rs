//! What can be told about a report from its own fields, all at once (issue 11: the resident's
//! form shows every error together): each text within its bound, a leaf category, the photos,
//! and a place. Intake ([`CaseService::report`]) refuses with the first of these; the form shows
//! them all. What needs the database (the place on the map, the QR token) comes later.

use super::CaseService;
use super::intake::{Place, Report};
use tongxin_domain::case::photo::check_photos;
use tongxin_domain::kernel::text::{Address, Description, PersonName, TextError, Title};

impl CaseService {
    /// Every problem of the report's own fields, as `(field, message)`, in form order.
    pub fn report_form_problems(&self, r: &Report) -> Vec<(&'static str, String)> {
        let cfg = self.config();
        let mut out = Vec::new();
        match cfg.categories.get(r.category.trim()) {
            None if r.category.trim().is_empty() => out.push(("category", "请选择问题类别".to_string())),
            None => out.push(("category", "请选择有效的诉求类别".to_string())),
            Some(c) if cfg.categories.values().any(|x| x.parent.as_deref() == Some(c.code.as_str())) => {
                out.push(("category", format!("“{}”是大类，请选择其下的具体类别", c.name)));
            }
            Some(_) => {}
        }
        match Description::new(&r.description) {
            Ok(_) => {}
            Err(TextError::Required { .. }) => out.push(("description", "请描述您反映的问题".to_string())),
            Err(e) => out.push(("description", e.to_string())),
        }
        if let Err(e) = Title::optional(r.title.as_deref().unwrap_or("")) {
            out.push(("title", e.to_string()));
        }
        if let Err(e) = check_photos(&r.photos) {
            out.push(("photos", e.to_string()));
        }
        match Address::optional(&r.address) {
            Err(e) => out.push(("address", e.to_string())),
            Ok(None) if matches!(r.place, Place::Address) => {
                out.push(("location", "请在地图上选择位置、扫描楼栋二维码或填写地址".to_string()));
            }
            Ok(_) => {}
        }
        if let Err(e) = PersonName::optional(r.requester_name.as_deref().unwrap_or("")) {
            out.push(("name", e.to_string()));
        }
        out
    }
}
