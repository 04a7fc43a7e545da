#include "modules/ledger/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>

namespace linli::ledger {
namespace {

constexpr int kBarWidth = 20;
constexpr auto kRedrawInterval = std::chrono::milliseconds(100);

bool IsTerminal(const std::ostream& out) {
    if (&out == &std::cout) {
        return isatty(STDOUT_FILENO) != 0;
    }
    if (&out == &std::cerr || &out == &std::clog) {
        return isatty(STDERR_FILENO) != 0;
    }
    return false;
}

std::string FormatDuration(int64_t seconds) {
    char buffer[32];
    if (seconds >= 3600) {
        std::snprintf(buffer, sizeof buffer, "%lld:%02lld:%02lld", static_cast<long long>(seconds / 3600),
                      static_cast<long long>(seconds / 60 % 60), static_cast<long long>(seconds % 60));
    } else {
        std::snprintf(buffer, sizeof buffer, "%lld:%02lld", static_cast<long long>(seconds / 60),
                      static_cast<long long>(seconds % 60));
    }
    return buffer;
}

// Display columns of a UTF-8 string: CJK (3- and 4-byte sequences) take two.
size_t Columns(std::string_view s) {
    size_t n = 0;
    for (unsigned char c : s) {
        if (c < 0x80 || (c & 0xE0) == 0xC0) {
            ++n;
        } else if ((c & 0xF0) == 0xE0 || (c & 0xF8) == 0xF0) {
            n += 2;
        }
    }
    return n;
}

}  // namespace

std::string GroupThousands(int64_t n) {
    bool negative = n < 0;
    uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(n) : static_cast<uint64_t>(n);
    std::string digits = std::to_string(magnitude);
    std::string out;
    size_t lead = digits.size() % 3 == 0 ? 3 : digits.size() % 3;
    out.append(digits, 0, lead);
    for (size_t i = lead; i < digits.size(); i += 3) {
        out += ',';
        out.append(digits, i, 3);
    }
    return negative ? "-" + out : out;
}

std::string FormatProgressLine(std::string_view label, int64_t done, int64_t total, double seconds) {
    std::string line(label);
    if (total > 0) {
        int64_t shown = std::clamp<int64_t>(done, 0, total);
        double fraction = static_cast<double>(shown) / static_cast<double>(total);
        int filled = static_cast<int>(fraction * kBarWidth);
        line += " [";
        line.append(static_cast<size_t>(filled), '#');
        line.append(static_cast<size_t>(kBarWidth - filled), '.');
        line += "] ";
        line += std::to_string(static_cast<int>(fraction * 100));
        line += "% ";
        line += GroupThousands(done);
        line += '/';
        line += GroupThousands(total);
    } else {
        line += ' ';
        line += GroupThousands(done);
    }
    line += " rows";
    if (seconds > 0) {
        double rate = static_cast<double>(done) / seconds;
        line += ' ';
        line += GroupThousands(static_cast<int64_t>(std::llround(rate)));
        line += " rows/s";
        if (total > 0 && rate > 0) {
            auto eta = static_cast<int64_t>(std::ceil(static_cast<double>(std::max<int64_t>(total - done, 0)) / rate));
            line += " ETA ";
            line += FormatDuration(eta);
        }
    }
    return line;
}

ProgressBar::ProgressBar(std::ostream& out, int64_t total, std::string label, bool force)
    : out_(out),
      total_(total),
      label_(std::move(label)),
      enabled_(force || IsTerminal(out)),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

ProgressBar::~ProgressBar() {
    if (drawn_ && !finished_) {
        Finish();
    }
}

void ProgressBar::Update(int64_t done) {
    done_ = done;
    if (!enabled_ || finished_) {
        return;
    }
    auto now = std::chrono::steady_clock::now();
    if (drawn_ && now - last_draw_ < kRedrawInterval) {
        return;
    }
    last_draw_ = now;
    Draw();
}

void ProgressBar::Finish() {
    if (finished_) {
        return;
    }
    finished_ = true;
    if (!enabled_) {
        return;
    }
    Draw();
    out_ << '\n';
    out_.flush();
}

void ProgressBar::Draw() {
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    std::string line = FormatProgressLine(label_, done_, total_, seconds);
    size_t width = Columns(line);
    // Blank out what a longer previous line left behind.
    if (width < last_width_) {
        line.append(last_width_ - width, ' ');
    }
    last_width_ = width;
    out_ << '\r' << line;
    out_.flush();
    drawn_ = true;
}

void ProgressState::SetPhase(std::string phase) {
    std::lock_guard lock(mutex_);
    phase_ = std::move(phase);
}

void ProgressState::Finish(std::string phase) {
    {
        std::lock_guard lock(mutex_);
        phase_ = std::move(phase);
    }
    finished_.store(true, std::memory_order_release);
}

ProgressState::Snapshot ProgressState::Get() const {
    Snapshot s;
    s.total = total_.load(std::memory_order_relaxed);
    s.done = done_.load(std::memory_order_relaxed);
    s.finished = finished_.load(std::memory_order_acquire);
    std::lock_guard lock(mutex_);
    s.phase = phase_;
    return s;
}

}  // namespace linli::ledger
