package io.workerhealth.demo.controlplane;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Reads {@code iptables -S} output: which chains are Kubernetes' (KUBE-*) and which other rules jump into them. */
final class IptablesRules {

  private static final String PREFIX = "KUBE-";

  private IptablesRules() {}

  /** The KUBE-* chains declared ({@code -N KUBE-...}). */
  static Set<String> kubeChains(String rules) {
    Set<String> chains = new LinkedHashSet<>();
    for (String line : rules.split("\n")) {
      List<String> words = words(line);
      if (words.size() == 2 && words.get(0).equals("-N") && words.get(1).startsWith(PREFIX)) {
        chains.add(words.get(1));
      }
    }
    return chains;
  }

  /**
   * Rules of other chains that jump to a KUBE-* chain, each as the arguments that follow {@code -D} to delete it
   * (the chain, then the rule's match and target, quotes removed).
   */
  static List<List<String>> jumpsIntoKubeChains(String rules) {
    List<List<String>> jumps = new ArrayList<>();
    for (String line : rules.split("\n")) {
      List<String> words = words(line);
      if (words.size() < 3 || !words.get(0).equals("-A") || words.get(1).startsWith(PREFIX)) {
        continue;
      }
      int target = Math.max(words.indexOf("-j"), words.indexOf("-g"));
      if (target > 0 && target + 1 < words.size() && words.get(target + 1).startsWith(PREFIX)) {
        jumps.add(words.subList(1, words.size()));
      }
    }
    return jumps;
  }

  /** Splits a rule as a shell would: on spaces, with double-quoted words (comments) kept whole. */
  static List<String> words(String line) {
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean quoted = false;
    boolean inWord = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '\\' && quoted && i + 1 < line.length()) {
        word.append(line.charAt(++i));
      } else if (c == '"') {
        quoted = !quoted;
        inWord = true;
      } else if (Character.isWhitespace(c) && !quoted) {
        if (inWord) {
          words.add(word.toString());
          word.setLength(0);
          inWord = false;
        }
      } else {
        word.append(c);
        inWord = true;
      }
    }
    if (inWord) {
      words.add(word.toString());
    }
    return words;
  }
}
