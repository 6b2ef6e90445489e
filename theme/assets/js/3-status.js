/* Keep clock-dependent statuses true after the build: a page built at 08:00
   still says 停水中 at 23:30 unless something updates it. Badges carry their
   times (data-start/end/deadline, set by watersite/notices.py); this recomputes
   the label every minute and removes ended outages from the banner. The labels
   are those of watersite/status.py (a test keeps the two in step). */
(function () {
  "use strict";
  var LABELS = {
    upcoming: "即将停水", ongoing: "停水中", ended: "已恢复供水", scheduled: "计划中",
    cancelled: "已取消", open: "报名中", closed: "已截止", finished: "已结束"
  };
  var HOUR = 3600 * 1000;

  function outageKey(data, now) {
    if (data.cancelled) { return "cancelled"; }
    if (now >= Date.parse(data.end)) { return "ended"; }
    if (now >= Date.parse(data.start)) { return "ongoing"; }
    if (now >= Date.parse(data.start) - Number(data.leadHours) * HOUR) { return "upcoming"; }
    return "scheduled";
  }

  function deadlineKey(data, now) {
    if (data.finished) { return "finished"; }
    return now < Date.parse(data.deadline) ? "open" : "closed";
  }

  function refresh() {
    var now = Date.now();
    document.querySelectorAll("[data-status]").forEach(function (badge) {
      var data = badge.dataset;
      var key = data.start ? outageKey(data, now) : (data.deadline ? deadlineKey(data, now) : null);
      if (!key || badge.classList.contains("sw-badge--" + key)) { return; }
      badge.className = "sw-badge sw-badge--" + key;
      badge.textContent = LABELS[key];
      var row = badge.closest("[data-filter-status]");
      if (row) { row.setAttribute("data-filter-status", LABELS[key]); }
    });
    var banner = document.querySelector("[data-outage-banner]");
    if (banner) {
      banner.querySelectorAll("li[data-until]").forEach(function (entry) {
        if (now >= Date.parse(entry.getAttribute("data-until"))) { entry.remove(); }
      });
      if (!banner.querySelector("li")) { banner.remove(); }
    }
  }

  refresh();
  window.setInterval(refresh, 60 * 1000);
})();
