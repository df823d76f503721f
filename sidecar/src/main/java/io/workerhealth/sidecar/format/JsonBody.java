package io.workerhealth.sidecar.format;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.workerhealth.api.v1alpha1.ScrapeErrorReason;
import java.io.IOException;
import java.io.Writer;

/**
 * Streaming JSON reading for the formats, with bounded memory whatever the body: nothing is built but what a format
 * keeps, a string value is read only when a format asks for it and then only up to a length, values it does not ask
 * for are skipped without being decoded, and field names are not interned (a body of 100,000 distinct names would
 * otherwise fill Jackson's symbol table).
 */
final class JsonBody {

  /** Deepest JSON nesting read; deeper bodies are a {@code ParseError}. */
  static final int MAX_DEPTH = 64;
  /** Longest field name read (Jackson's default); longer ones are a {@code ParseError}. */
  static final int MAX_FIELD_NAME = 50_000;
  /** Longest number read (Jackson's default); numbers are never converted, only skipped or kept as text. */
  static final int MAX_NUMBER = 1000;

  private static final JsonFactory FACTORY = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder()
          .maxNestingDepth(MAX_DEPTH)
          .maxNameLength(MAX_FIELD_NAME)
          .maxNumberLength(MAX_NUMBER)
          .build())
      .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
      .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
      .build();

  private JsonBody() {}

  static JsonParser open(HealthResponse response) throws IOException {
    return FACTORY.createParser(response.body());
  }

  /**
   * The current scalar value as text, at most {@code maxChars} characters plus one (so that truncation shows), or
   * null for JSON null; an object or array is skipped and gives null.
   */
  static String text(JsonParser p, int maxChars) throws IOException {
    JsonToken t = p.currentToken();
    if (t == null) {
      return null;
    }
    switch (t) {
      case VALUE_STRING: {
        PrefixWriter w = new PrefixWriter(maxChars + 1);
        p.getText(w); // copies the decoded segments into the writer: no String of the whole value
        return w.toString();
      }
      case VALUE_NUMBER_INT:
      case VALUE_NUMBER_FLOAT:
      case VALUE_TRUE:
      case VALUE_FALSE:
        return p.getText(); // at most MAX_NUMBER characters
      case START_OBJECT:
      case START_ARRAY:
        p.skipChildren();
        return null;
      default:
        return null;
    }
  }

  /** Moves to the value of the next field of the current object; false at its end. */
  static boolean nextField(JsonParser p) throws IOException {
    JsonToken t = p.nextToken();
    if (t == JsonToken.FIELD_NAME) {
      p.nextToken();
      return true;
    }
    return false;
  }

  /** Expects the whole body to have been one JSON value: trailing content is an error, not ignored. */
  static void expectEnd(JsonParser p) throws IOException, HealthParseException {
    JsonToken t = p.nextToken();
    if (t != null) {
      JsonLocation at = p.currentTokenLocation();
      throw new HealthParseException(ScrapeErrorReason.ParseError,
          "body has content after its JSON value (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")");
    }
  }

  /** Expects the root to be an object. */
  static void expectObject(JsonParser p, String what) throws IOException, HealthParseException {
    if (p.nextToken() != JsonToken.START_OBJECT) {
      throw new HealthParseException(ScrapeErrorReason.ParseError, what + " body must be a JSON object");
    }
  }

  /** A JSON syntax or limit error as users read it. */
  static HealthParseException parseError(JsonProcessingException e) {
    JsonLocation at = e.getLocation();
    String where = at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
    return new HealthParseException(ScrapeErrorReason.ParseError,
        "body is not valid JSON" + where + ": " + e.getOriginalMessage(), e);
  }

  /** Keeps the first characters written, counts nothing else: a long value costs no more than its prefix. */
  static final class PrefixWriter extends Writer {
    private final StringBuilder kept = new StringBuilder();
    private final int max;

    PrefixWriter(int max) {
      this.max = max;
    }

    @Override
    public void write(char[] buf, int off, int len) {
      int room = max - kept.length();
      if (room > 0) {
        kept.append(buf, off, Math.min(room, len));
      }
    }

    @Override
    public void write(String s, int off, int len) {
      int room = max - kept.length();
      if (room > 0) {
        kept.append(s, off, off + Math.min(room, len));
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}

    @Override
    public String toString() {
      return kept.toString();
    }
  }
}
