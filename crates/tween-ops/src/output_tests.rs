use super::*;
use tween_core::NoProgress;
use tween_video::VideoError;

#[test]
fn refuses_missing_folder_existing_file_and_input() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope/out.mp4");
    let e = PendingOutput::new(&missing, false, &[])
        .unwrap_err()
        .to_string();
    assert!(e.contains("does not exist"), "{e}");
    let existing = dir.path().join("out.mp4");
    std::fs::write(&existing, b"x").unwrap();
    let e = PendingOutput::new(&existing, false, &[])
        .unwrap_err()
        .to_string();
    assert!(e.contains("--overwrite"), "{e}");
    let e = PendingOutput::new(&existing, true, &[&existing])
        .unwrap_err()
        .to_string();
    assert!(e.contains("replace the input"), "{e}");
}

#[test]
fn temp_is_removed_unless_committed() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("a.mkv");
    let p = PendingOutput::new(&out, false, &[]).unwrap();
    assert!(p.temp_path().to_string_lossy().ends_with(".mkv"));
    std::fs::write(p.temp_path(), b"half").unwrap();
    let temp = p.temp_path().to_path_buf();
    drop(p);
    assert!(!temp.exists() && !out.exists());
    let p = PendingOutput::new(&out, false, &[]).unwrap();
    std::fs::write(p.temp_path(), b"whole").unwrap();
    p.commit().unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), b"whole");
}

#[test]
fn a_name_without_extension_is_refused_with_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    let e = PendingOutput::new(&dir.path().join("movie"), false, &[])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("movie: the output name has no extension") && e.contains("movie.mp4"),
        "{e}"
    );
}

#[test]
fn a_file_that_appears_meanwhile_is_not_replaced_without_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("a.mp4");
    let p = PendingOutput::new(&out, false, &[]).unwrap();
    std::fs::write(p.temp_path(), b"ours").unwrap();
    std::fs::write(&out, b"theirs").unwrap();
    let e = p.commit().unwrap_err().to_string();
    assert!(e.contains("appeared while tween was working"), "{e}");
    assert_eq!(std::fs::read(&out).unwrap(), b"theirs");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "temporary removed"
    );
}

#[test]
fn two_outputs_of_one_process_cannot_share_a_name() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("a.mp4");
    let first = PendingOutput::new(&out, false, &[]).unwrap();
    let e = PendingOutput::new(&dir.path().join("./a.mp4"), false, &[])
        .unwrap_err()
        .to_string();
    assert!(e.contains("already being written as another output"), "{e}");
    drop(first);
    PendingOutput::new(&out, false, &[]).unwrap();
}

#[test]
fn cancelled_progress_commits_nothing() {
    struct Cancelled;
    impl Progress for Cancelled {
        fn start(&self, _: Option<u64>) {}
        fn advance(&self, _: u64) -> bool {
            false
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("a.mp4");
    let p = PendingOutput::new(&out, false, &[]).unwrap();
    std::fs::write(p.temp_path(), b"whole").unwrap();
    assert!(matches!(
        p.commit_unless_cancelled(&Cancelled),
        Err(OpsError::Cancelled)
    ));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    let p = PendingOutput::new(&out, false, &[]).unwrap();
    std::fs::write(p.temp_path(), b"whole").unwrap();
    p.commit_unless_cancelled(&NoProgress).unwrap();
    assert!(out.is_file());
}

#[test]
fn errors_name_the_final_path_not_the_temporary() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("a.mp4");
    let p = PendingOutput::new(&out, false, &[]).unwrap();
    let e = p.own(VideoError::Write {
        path: p.temp_path().to_path_buf(),
        reason: "disk full".into(),
    });
    assert_eq!(
        e.to_string(),
        format!("{}: writing failed (disk full)", out.display())
    );
}

#[test]
fn segments_move_before_the_playlist_and_never_over_other_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s.m3u8");
    let p = PendingOutput::new(&out, false, &[]).unwrap();
    let temp_dir = p.temp_path().parent().unwrap().to_path_buf();
    assert_ne!(temp_dir, dir.path());
    std::fs::write(p.temp_path(), b"#EXTM3U\ns0.ts\n").unwrap();
    std::fs::write(temp_dir.join("s0.ts"), b"new").unwrap();
    std::fs::write(dir.path().join("s0.ts"), b"old").unwrap();
    let e = p.commit().unwrap_err().to_string();
    assert!(e.contains("s0.ts") && e.contains("--overwrite"), "{e}");
    assert_eq!(std::fs::read(dir.path().join("s0.ts")).unwrap(), b"old");
    assert!(!out.exists() && !temp_dir.exists());

    let p = PendingOutput::new(&out, true, &[]).unwrap();
    let temp_dir = p.temp_path().parent().unwrap().to_path_buf();
    std::fs::write(p.temp_path(), b"#EXTM3U\ns0.ts\n").unwrap();
    std::fs::write(temp_dir.join("s0.ts"), b"new").unwrap();
    p.commit().unwrap();
    assert_eq!(std::fs::read(dir.path().join("s0.ts")).unwrap(), b"new");
    assert!(out.is_file() && !temp_dir.exists());
}

#[cfg(unix)]
#[test]
fn overwrite_replaces_only_regular_files() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("elsewhere.mp4");
    std::fs::write(&target, b"keep").unwrap();
    let link = dir.path().join("link.mp4");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let e = PendingOutput::new(&link, true, &[])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("symbolic link") && e.contains("only regular files"),
        "{e}"
    );
    let fifo = dir.path().join("pipe.mp4");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let e = PendingOutput::new(&fifo, true, &[])
        .unwrap_err()
        .to_string();
    assert!(e.contains("FIFO"), "{e}");
    std::fs::create_dir(dir.path().join("d.mp4")).unwrap();
    let e = PendingOutput::new(&dir.path().join("d.mp4"), true, &[])
        .unwrap_err()
        .to_string();
    assert!(e.contains("is a folder"), "{e}");
    assert_eq!(std::fs::read(&target).unwrap(), b"keep");
}
