fn main() {
    // The desktop app's resources and capabilities; the CLI needs none.
    #[cfg(feature = "desktop")]
    tauri_build::build();
}
