/* The visit calendar (templates/visits/calendar.html): FullCalendar fed by the JSON feed
   named in data-feed-url. Month, week and list views; phones (< 768 px) open on the list
   of the week. Clicking an item follows its url (the visit plan or event page). */
(function () {
  "use strict";

  function narrow() {
    return window.matchMedia("(max-width: 767.98px)").matches;
  }

  function toolbar(small) {
    return small
      ? { left: "prev,next", center: "title", right: "listWeek,dayGridMonth" }
      : { left: "prev,next today", center: "title", right: "dayGridMonth,timeGridWeek,listWeek" };
  }

  function start() {
    var el = document.getElementById("visit-calendar");
    if (!el || !window.FullCalendar) {
      return;
    }
    var errorBox = document.getElementById("visit-calendar-error");
    var small = narrow();
    var calendar = new window.FullCalendar.Calendar(el, {
      locale: el.dataset.locale || "zh-cn",
      timeZone: "Asia/Shanghai",
      initialDate: el.dataset.initialDate || undefined,
      initialView: small ? "listWeek" : "dayGridMonth",
      headerToolbar: toolbar(small),
      height: "auto",
      firstDay: 1,
      // the locale's words (上月, 下月) instead of arrow icons, which FullCalendar marks
      // role="img" without a name
      buttonIcons: false,
      // the list view's hidden column headers and the popover's close button, in the
      // page's language (FullCalendar's zh-cn locale leaves them in English)
      timeHint: el.dataset.timeHint,
      eventHint: el.dataset.eventHint,
      closeHint: el.dataset.closeHint,
      nowIndicator: true,
      dayMaxEvents: 4,
      eventTimeFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
      slotLabelFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
      slotMinTime: "07:00:00",
      slotMaxTime: "22:00:00",
      events: {
        url: el.dataset.feedUrl,
        failure: function () {
          errorBox.textContent = el.dataset.error;
          errorBox.classList.remove("d-none");
        },
      },
      eventDidMount: function (info) {
        var place = info.event.extendedProps.place;
        info.el.setAttribute("title", info.event.title + (place ? " · " + place : ""));
        info.el.dataset.item = info.event.id;
      },
      loading: function (busy) {
        el.setAttribute("aria-busy", busy ? "true" : "false");
        if (busy) {
          errorBox.classList.add("d-none");
        }
      },
      windowResize: function () {
        var nowSmall = narrow();
        if (nowSmall !== small) {
          small = nowSmall;
          calendar.setOption("headerToolbar", toolbar(small));
          calendar.changeView(small ? "listWeek" : "dayGridMonth");
        }
      },
    });
    calendar.render();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
