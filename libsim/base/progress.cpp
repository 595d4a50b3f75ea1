#include "base/progress.hpp"

#include <spdlog/spdlog.h>

#include <cmath>
#include <cstdio>

namespace sim {
namespace {

std::atomic<ProgressStyle> g_style{ProgressStyle::Lines};

double steady_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

void draw_on_stderr(Progress::Event event, const std::string& text) {
  switch (event) {
    case Progress::Event::Redraw:
      // \r then clear to end of line: the bar may shrink as the ETA gets shorter.
      std::fprintf(stderr, "\r%s\033[K", text.c_str());
      std::fflush(stderr);
      break;
    case Progress::Event::EndBar:
      std::fputc('\n', stderr);
      break;
    case Progress::Event::Line:
      spdlog::info("{}", text);
      break;
  }
}

}  // namespace

void set_progress_style(ProgressStyle style) { g_style = style; }
ProgressStyle progress_style() { return g_style; }

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto total = static_cast<long long>(seconds + 0.5);
  const long long h = total / 3600, m = (total / 60) % 60, s = total % 60;
  char buf[64];
  if (h > 0) {
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", h, m, s);
  } else {
    std::snprintf(buf, sizeof buf, "%lld:%02lld", m, s);
  }
  return buf;
}

std::string format_progress(const std::string& label, std::uint64_t done, std::uint64_t total, const std::string& unit,
                            double elapsed_s, bool bar, int width) {
  const double rate = elapsed_s > 0 ? double(done) / elapsed_s : 0.0;
  std::string out = label;
  if (total > 0) {
    const double fraction = std::min(1.0, double(done) / double(total));
    if (bar) {
      const int filled = int(fraction * width);
      out += " [" + std::string(std::size_t(filled), '#') + std::string(std::size_t(width - filled), '.') + "]";
    }
    out += " " + fixed(100.0 * fraction, 1) + "% " + std::to_string(done) + "/" + std::to_string(total) + " " + unit;
  } else {
    out += " " + std::to_string(done) + " " + unit;
  }
  out += " " + fixed(rate, 1) + " " + unit + "/s";
  if (total > 0) {
    const double eta = rate > 0 ? double(total > done ? total - done : 0) / rate : -1.0;
    out += " ETA " + format_duration(eta);
  }
  return out;
}

Progress::Progress(std::string label, std::uint64_t total, std::string unit)
    : Progress(std::move(label), total, std::move(unit), progress_style(), steady_seconds, draw_on_stderr) {}

Progress::Progress(std::string label, std::uint64_t total, std::string unit, ProgressStyle style)
    : Progress(std::move(label), total, std::move(unit), style, steady_seconds, draw_on_stderr) {}

Progress::Progress(std::string label, std::uint64_t total, std::string unit, ProgressStyle style, Clock clock,
                   Sink sink, double line_interval_s)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      style_(style),
      clock_(std::move(clock)),
      sink_(std::move(sink)),
      interval_s_(style == ProgressStyle::Bar ? 0.1 : line_interval_s),
      start_s_(clock_()),
      last_report_s_(start_s_) {}

Progress::~Progress() {
  // Unwinding (an error mid-loop): end the bar's line so the error message starts on its own line.
  std::lock_guard<std::mutex> lock(report_mutex_);
  if (drew_bar_ && !finished_) sink_(Event::EndBar, "");
}

void Progress::add(std::uint64_t n) {
  done_ += n;
  if (style_ != ProgressStyle::Off) maybe_report(false);
}

void Progress::maybe_report(bool force) {
  // try_lock: a worker never waits for another worker's redraw.
  std::unique_lock<std::mutex> lock(report_mutex_, std::try_to_lock);
  if (!lock.owns_lock() || finished_) return;
  const double now = clock_();
  if (!force && now - last_report_s_ < interval_s_) return;
  last_report_s_ = now;
  const bool bar = style_ == ProgressStyle::Bar;
  sink_(bar ? Event::Redraw : Event::Line, format_progress(label_, done_.load(), total_, unit_, now - start_s_, bar));
  drew_bar_ = drew_bar_ || bar;
}

void Progress::finish() {
  std::lock_guard<std::mutex> lock(report_mutex_);
  if (finished_) return;
  finished_ = true;
  const double elapsed = clock_() - start_s_;
  const std::uint64_t done = done_.load();
  if (drew_bar_) sink_(Event::EndBar, "");  // leave the last bar on screen, move to a fresh line
  if (style_ == ProgressStyle::Off) return;
  const double rate = elapsed > 0 ? double(done) / elapsed : 0.0;
  sink_(Event::Line, label_ + ": " + std::to_string(done) + " " + unit_ + " in " + fixed(elapsed, 1) + " s, " +
                         fixed(rate, 1) + " " + unit_ + "/s");
}

}  // namespace sim
