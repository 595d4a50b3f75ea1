// Progress of long loops, on stderr.
//
// On a terminal: one redrawn bar with count, rate and ETA (at most ~10 redraws per second).
// Otherwise (logs, CI): a plain log line every few seconds, so a long run is never silent and a
// log file is not filled with carriage returns. Quiet mode (-q) shows nothing.
// add() may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

namespace sim {

enum class ProgressStyle { Bar, Lines, Off };

// Chosen once by run_main from the verbosity and whether stderr is a terminal.
void set_progress_style(ProgressStyle style);
ProgressStyle progress_style();

// "label [#######.......]  45.0%  450/1000 items  123.4 items/s  ETA 0:04" (total > 0), or
// "label  450 items  123.4 items/s" (total unknown). width is the bar's width in characters.
std::string format_progress(const std::string& label, std::uint64_t done, std::uint64_t total, const std::string& unit,
                            double elapsed_s, bool bar, int width = 30);

// "1:02:03" or "4:05"; "?" for negative or non-finite values.
std::string format_duration(double seconds);

class Progress {
 public:
  using Clock = std::function<double()>;  // seconds, monotonic
  // Redraw: replace the bar on screen; EndBar: move below the bar; Line: a log line.
  enum class Event { Redraw, EndBar, Line };
  using Sink = std::function<void(Event, const std::string&)>;

  // total = 0 means unknown. The defaults draw on stderr with the process-wide style.
  Progress(std::string label, std::uint64_t total, std::string unit = "items");
  // An explicit style (e.g. Off for a loop inside a larger one), drawing on stderr.
  Progress(std::string label, std::uint64_t total, std::string unit, ProgressStyle style);
  // For tests: an explicit style, clock and sink.
  Progress(std::string label, std::uint64_t total, std::string unit, ProgressStyle style, Clock clock, Sink sink,
           double line_interval_s = 10.0);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void add(std::uint64_t n = 1);
  // Final summary line ("label: 1000 items in 8.1 s, 123.4 items/s"); later calls do nothing.
  void finish();
  std::uint64_t done() const { return done_.load(); }

 private:
  void maybe_report(bool force);

  std::string label_, unit_;
  std::uint64_t total_;
  ProgressStyle style_;
  Clock clock_;
  Sink sink_;
  double interval_s_;
  double start_s_;
  double last_report_s_;
  std::atomic<std::uint64_t> done_{0};
  std::mutex report_mutex_;
  bool finished_ = false;
  bool drew_bar_ = false;
};

}  // namespace sim
