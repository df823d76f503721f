package io.workerhealth.sidecar.scrape;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

/**
 * A credential kept in a file, as a mounted Secret provides it. Re-read whenever the file changes, so a rotated Secret
 * (the kubelet swaps the mounted files) is used from the next scrape on without a restart. Trailing line breaks are
 * dropped ({@code echo token > file} adds one). The content never appears in messages.
 */
public final class SecretFile {

  private final Path path;
  private FileTime readAt;
  private long readSize = -1;
  private String value;

  public SecretFile(Path path) {
    this.path = path;
  }

  public Path path() {
    return path;
  }

  /** The current content; re-read when the file's modification time or size changed since the last read. */
  public synchronized String value() throws IOException {
    FileTime modified = Files.getLastModifiedTime(path);
    long size = Files.size(path);
    if (value == null || !modified.equals(readAt) || size != readSize) {
      value = Files.readString(path, StandardCharsets.UTF_8).stripTrailing();
      readAt = modified;
      readSize = size;
    }
    return value;
  }

  @Override
  public String toString() {
    return path.toString();
  }
}
