#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "base/progress.hpp"

namespace {

using Event = sim::Progress::Event;

struct Recorder {
  double now = 0;
  std::vector<std::pair<Event, std::string>> events;
  sim::Progress::Clock clock() {
    return [this] { return now; };
  }
  sim::Progress::Sink sink() {
    return [this](Event e, const std::string& text) { events.emplace_back(e, text); };
  }
};

}  // namespace

TEST_CASE("format_duration") {
  CHECK(sim::format_duration(0) == "0:00");
  CHECK(sim::format_duration(65) == "1:05");
  CHECK(sim::format_duration(3723) == "1:02:03");
  CHECK(sim::format_duration(-1) == "?");
}

TEST_CASE("format_progress shows count, rate and ETA") {
  CHECK(sim::format_progress("embed", 250, 1000, "images", 2.0, true, 10) ==
        "embed [##........] 25.0% 250/1000 images 125.0 images/s ETA 0:06");
  CHECK(sim::format_progress("embed", 250, 1000, "images", 2.0, false) ==
        "embed 25.0% 250/1000 images 125.0 images/s ETA 0:06");
  CHECK(sim::format_progress("read", 30, 0, "lines", 3.0, true) == "read 30 lines 10.0 lines/s");
  CHECK(sim::format_progress("x", 0, 10, "items", 0.0, false) == "x 0.0% 0/10 items 0.0 items/s ETA ?");
}

TEST_CASE("plain lines are throttled to the interval, then a summary") {
  Recorder r;
  sim::Progress p("train", 100, "steps", sim::ProgressStyle::Lines, r.clock(), r.sink(), 10.0);
  for (int i = 0; i < 100; ++i) {
    r.now += 1.0;  // one step per second: a line every 10 s
    p.add();
  }
  p.finish();
  p.finish();  // idempotent
  REQUIRE(r.events.size() == 11);
  CHECK(r.events[0] == std::make_pair(Event::Line, std::string("train 10.0% 10/100 steps 1.0 steps/s ETA 1:30")));
  CHECK(r.events.back() == std::make_pair(Event::Line, std::string("train: 100 steps in 100.0 s, 1.0 steps/s")));
}

TEST_CASE("the bar redraws in place and ends its line") {
  Recorder r;
  {
    sim::Progress p("embed", 4, "images", sim::ProgressStyle::Bar, r.clock(), r.sink());
    for (int i = 0; i < 4; ++i) {
      r.now += 0.5;
      p.add();
    }
    p.finish();
  }
  REQUIRE(r.events.size() == 6);  // 4 redraws, end of bar, summary
  CHECK(r.events[0].first == Event::Redraw);
  CHECK(r.events[4].first == Event::EndBar);
  CHECK(r.events[5].second == "embed: 4 images in 2.0 s, 2.0 images/s");
}

TEST_CASE("an abandoned bar (error mid-loop) still ends its line") {
  Recorder r;
  {
    sim::Progress p("embed", 4, "images", sim::ProgressStyle::Bar, r.clock(), r.sink());
    r.now += 1;
    p.add();
  }
  REQUIRE(r.events.size() == 2);
  CHECK(r.events[1].first == Event::EndBar);
}

TEST_CASE("quiet shows nothing") {
  Recorder r;
  sim::Progress p("embed", 4, "images", sim::ProgressStyle::Off, r.clock(), r.sink());
  r.now += 100;
  p.add(4);
  p.finish();
  CHECK(r.events.empty());
  CHECK(p.done() == 4);
}
