//! The administrator in a real (headless) Chromium, on both storage backends: logs in with the
//! second factor, runs a routing dry run, creates a user. Screenshots at 1366×768 land in
//! `target/browser-screenshots/`.

use crate::chrome as browser;
use crate::support;
use tongxin_testkit::both_backends;

use browser::{Browser, DESKTOP, PHONE};
use support::*;

both_backends! {
    async fn the_admin_runs_a_dry_run_and_creates_a_user(t: TestStore) {
        let f = fixture(&t).await;
        let Some(b) = Browser::start_at(f.app.clone(), DESKTOP).await else { return };
        b.goto("/admin/categories").await;
        b.wait_for("#username").await;
        let code = tongxin_domain::accounts::totp::code_at(ADMIN_TOTP, f.store.now().timestamp());
        b.submit_login(Who::Admin.username(), PASSWORD, Some(&code)).await;
        b.wait_for("#dry-category").await;
        assert_eq!(b.current_path().await, "/admin/categories", "{}: back to the page asked for", t.label);
        assert!(b.text("h1").await.contains("分类与派单规则"));

        // The dry run: noise in grid A1 → the street's rule.
        b.execute("document.getElementById('dry-category').value = 'city.noise'; return null").await;
        b.fill("#dry-grid", GRID_A1).await;
        b.click("#dry-run form button[type=submit]").await;
        let result = b.text(".dry-result").await;
        assert!(result.contains(&format!("规则 #{} →", f.ids.rule)), "{}: {result}", t.label);
        assert!(result.contains(&format!("所在网格 {GRID_A1}")), "{result}");
        b.screenshot(&format!("admin-categories-dry-run-{}", t.label)).await;

        // A new grid worker, with a weak password first.
        b.goto("/admin/users").await;
        b.fill("#u-username", "li.grid").await;
        b.fill("#u-name", "李网格").await;
        b.execute("document.getElementById('u-role').value = 'grid_worker'; return null").await;
        b.fill("#u-region", GRID_A2).await;
        b.fill("#u-password", "weak").await;
        b.click("#new-user button[type=submit]").await;
        let err = b.text("#u-password-err").await;
        assert!(err.contains("密码至少 10 位"), "{}: {err}", t.label);
        assert_eq!(b.execute("return document.getElementById('u-username').value").await, "li.grid", "kept");
        b.screenshot(&format!("admin-users-error-{}", t.label)).await;
        b.fill("#u-password", "Grid@Worker2026").await;
        b.click("#new-user button[type=submit]").await;
        let flash = b.text(".flash.ok").await;
        assert_eq!(flash, "已创建账号 li.grid（网格员）", "{}", t.label);
        assert!(b.text("main table").await.contains("li.grid"));
        b.screenshot(&format!("admin-users-{}", t.label)).await;
        assert!(f.store.accounts().credentials("li.grid").await.is_ok());

        b.goto(&format!("/admin/regions?code={COMMUNITY_A}")).await;
        b.wait_for("svg.map").await;
        b.screenshot(&format!("admin-regions-{}", t.label)).await;
        b.goto("/admin/deadlines?year=2026").await;
        b.wait_for("#limit-general").await;
        b.screenshot(&format!("admin-deadlines-{}", t.label)).await;
        b.goto("/admin/imports").await;
        b.wait_for("#res-file").await;
        b.screenshot(&format!("admin-imports-{}", t.label)).await;

        // A workbook with a bad ID number: the result lists the row, nothing is imported.
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (c, col) in tongxin_exchange::COLUMNS.iter().enumerate() {
            ws.write_string(0, c as u16, col.header).unwrap();
        }
        for (c, v) in ["赵有误", "男", "", "330702123", "", GRID_A1, "小区1幢", "1", "101", "", ""].iter().enumerate()
        {
            ws.write_string(1, c as u16, *v).unwrap();
        }
        let path = std::env::temp_dir().join(format!("tongxin-admin-bad-{}-{}.xlsx", std::process::id(), t.label));
        std::fs::write(&path, wb.save_to_buffer().unwrap()).unwrap();
        b.wait_for("#res-file").await.send_keys(path.to_str().unwrap()).await.unwrap();
        b.click("form[action='/admin/imports/residents'] button[type=submit]").await;
        let result = b.text("#result").await;
        let _ = std::fs::remove_file(&path);
        assert!(result.contains("导入失败，未写入任何数据") && result.contains("第 2 行"), "{}: {result}", t.label);
        b.screenshot(&format!("admin-import-rejected-{}", t.label)).await;

        // Every admin page fits a phone without scrolling sideways (wide tables scroll inside).
        b.set_viewport(PHONE.0, PHONE.1).await;
        for path in ["/admin/regions", "/admin/categories", "/admin/deadlines", "/admin/users", "/admin/imports"] {
            b.goto(path).await;
            b.wait_for("main h1").await;
            b.assert_fits_width(&format!("{}: {path}", t.label)).await;
        }
        b.goto("/admin/users").await;
        b.wait_for("#u-username").await;
        b.screenshot(&format!("admin-users-phone-{}", t.label)).await;
        b.close().await;
    }
}
