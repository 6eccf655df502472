/// Every command the app registers (app::setup). The app manifest gives
/// each its own `allow-<command>` permission, so the window may call only
/// those its capability (capabilities/main.json) lists.
#[cfg(feature = "desktop")]
const COMMANDS: &[&str] = &[
    "app_info",
    "presets",
    "recognise_id",
    "validate_intake",
    "save_case",
    "list_cases",
    "open_case",
    "run_check",
    "cancel_check",
    "complaint",
    "save_message",
    "export_case",
    "write_text_file",
    "case_ladder",
    "mark_sent",
    "record_reply",
    "close_rung",
    "export_markdown",
    "export_ics",
    "scan_evidence_file",
    "scan_evidence_text",
    "cancel_evidence",
    "accept_evidence",
    "list_sources",
    "save_credentials",
    "delete_credentials",
    "test_connection",
    "follow_status",
    "set_following",
    "mark_seen",
    "set_ui_language",
    "start_at_login",
    "set_start_at_login",
    "batch_preview",
    "batch_run",
    "batch_cancel",
    "batch_save_report",
    "choose_open_file",
    "choose_open_files",
    "draft_case",
    "keep_attachments",
    "choose_save_file",
    "reveal_file",
    "open_mail",
    "my_details",
    "save_my_details",
];

fn main() {
    // A release build of the desktop app must embed the built front end:
    // without `custom-protocol` its window would load whatever answers on
    // the dev server's port (localhost:5173).
    #[cfg(feature = "desktop")]
    if std::env::var("PROFILE").as_deref() == Ok("release")
        && std::env::var_os("CARGO_FEATURE_CUSTOM_PROTOCOL").is_none()
    {
        panic!(
            "a release build of the desktop app needs the `custom-protocol` feature (it embeds ui/dist; \
             without it the window loads the dev server): build with `--features custom-protocol` \
             (scripts/bundle.sh does), or only the CLI with `--no-default-features --features cli`"
        );
    }
    // The desktop app's resources and capabilities; the CLI needs none.
    #[cfg(feature = "desktop")]
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("the Tauri build step (tauri.conf.json, capabilities)");
}
