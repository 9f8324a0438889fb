/* Baton web personalization (docs/personalization.md).
 * Renders placements into [data-baton-placement="KEY"] and reports what was seen and
 * clicked, only once the visitor consents. Content is set as text, never as HTML. */
(function (window, document) {
  "use strict";
  var ID_KEY = "baton_anonymous_id";
  var CSS =
    ".baton-placement{box-sizing:border-box;font:inherit;padding:1em;border:1px solid #767676;border-radius:6px;background:#fff;color:#111}" +
    ".baton-placement img{max-width:100%;height:auto;display:block}" +
    ".baton-placement .baton-title{font-weight:700;font-size:1.15em;margin:0 0 .4em}" +
    ".baton-placement .baton-cta{display:inline-block;margin-top:.6em;padding:.4em .9em;border-radius:4px;background:#1d4ed8;color:#fff;text-decoration:none}" +
    ".baton-close{float:right;border:0;background:none;font-size:1.4em;line-height:1;cursor:pointer;color:#111}" +
    ".baton-backdrop{position:fixed;inset:0;background:rgba(0,0,0,.5);display:flex;align-items:center;justify-content:center;z-index:2147483000}" +
    ".baton-backdrop .baton-placement{max-width:32em;width:90%}";
  var settings = null;
  var consented = false;
  var sequence = 0;

  function privacySignal() {
    return window.navigator.globalPrivacyControl === true;
  }

  function storage() {
    try {
      return window.localStorage;
    } catch (e) {
      return null; // blocked storage: the visitor stays anonymous for this page only
    }
  }

  function uuid() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    return "b" + Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  // The anonymous id exists only with consent: nothing is stored before.
  var memoryId = null;
  function anonymousId() {
    if (!consented) return null;
    var store = storage();
    var id = memoryId || (store && store.getItem(ID_KEY));
    if (!id) id = uuid();
    memoryId = id;
    if (store) store.setItem(ID_KEY, id);
    return id;
  }

  function track(event, properties) {
    if (!settings || !consented) return;
    var message = {
      type: "track",
      event: event,
      properties: properties,
      anonymousId: anonymousId(),
      messageId: uuid(),
      timestamp: new Date().toISOString(),
      writeKey: settings.writeKey,
      context: { page: { url: window.location.href, title: document.title }, library: { name: "baton.js", version: "1" } }
    };
    if (settings.userId) message.userId = settings.userId;
    send(JSON.stringify(message), 0);
  }

  // Baton answers 429 (the workspace's rate) or 503 (catching up) with Retry-After: the
  // same message comes back then (its messageId is stored once), a few times at most.
  var ATTEMPTS = 5;
  function send(body, attempt) {
    function again(seconds) {
      if (attempt + 1 >= ATTEMPTS) return;
      var wait = seconds > 0 ? Math.min(seconds, 60) : Math.pow(2, attempt);
      window.setTimeout(function () { send(body, attempt + 1); }, wait * 1000 * (1 + Math.random() * 0.25));
    }
    // text/plain with the key in the body: a simple request, no CORS preflight.
    window.fetch(settings.host + "/v1/track", {
      method: "POST",
      body: body,
      headers: { "Content-Type": "text/plain" },
      keepalive: true,
      credentials: "omit"
    }).then(function (response) {
      if (response.status === 429 || response.status >= 500) {
        again(parseInt(response.headers.get("Retry-After"), 10));
      }
    }, function () {
      again(0); // unreachable: back off and try again
    });
  }

  function safeUrl(url) {
    return typeof url === "string" && /^(https?:\/\/|\/(?!\/))/i.test(url) ? url : null;
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function reported(answer) {
    return { placement: answer.placement, variant: answer.variant, kind: answer.kind, impression: answer.impression };
  }

  function card(answer, close) {
    var content = answer.content;
    var box = element("div", "baton-placement baton-" + answer.kind);
    box.setAttribute("data-baton-variant", answer.variant || "default");
    if (close) {
      var button = element("button", "baton-close", "\u00d7");
      button.type = "button";
      button.setAttribute("aria-label", "Close");
      button.addEventListener("click", close);
      box.appendChild(button);
    }
    var image = safeUrl(content.image);
    if (image) {
      var img = element("img");
      img.src = image;
      img.alt = content.image_alt || "";
      box.appendChild(img);
    }
    if (content.title) {
      var title = element("p", "baton-title", content.title);
      title.id = "baton-title-" + ++sequence;
      box.appendChild(title);
      box.setAttribute("aria-labelledby", title.id);
    }
    if (content.body) box.appendChild(element("p", "baton-body", content.body));
    var target = safeUrl(content.cta_url);
    if (content.cta_text && target) {
      var link = element("a", "baton-cta", content.cta_text);
      link.href = target;
      link.addEventListener("click", function () {
        track("Placement Clicked", reported(answer));
      });
      box.appendChild(link);
    }
    return box;
  }

  function whenSeen(node, answer) {
    var report = function () {
      track("Placement Viewed", reported(answer));
    };
    if (!window.IntersectionObserver) return report();
    var observer = new window.IntersectionObserver(function (entries) {
      if (entries.some(function (e) { return e.isIntersecting; })) {
        observer.disconnect();
        report();
      }
    }, { threshold: 0.5 });
    observer.observe(node);
  }

  function popup(answer) {
    var before = document.activeElement;
    var backdrop = element("div", "baton-backdrop");
    function close() {
      document.removeEventListener("keydown", keys, true);
      backdrop.remove();
      if (before && before.focus) before.focus();
    }
    function keys(event) {
      if (event.key === "Escape") {
        event.preventDefault();
        close();
      } else if (event.key === "Tab") {
        // Keep focus inside the dialog while it is open.
        var focusable = dialog.querySelectorAll("a[href],button");
        var first = focusable[0];
        var last = focusable[focusable.length - 1];
        if (event.shiftKey && document.activeElement === first) {
          event.preventDefault();
          last.focus();
        } else if (!event.shiftKey && document.activeElement === last) {
          event.preventDefault();
          first.focus();
        }
      }
    }
    var dialog = card(answer, close);
    dialog.setAttribute("role", "dialog");
    dialog.setAttribute("aria-modal", "true");
    backdrop.appendChild(dialog);
    backdrop.addEventListener("click", function (event) {
      if (event.target === backdrop) close();
    });
    document.body.appendChild(backdrop);
    document.addEventListener("keydown", keys, true);
    dialog.querySelector(".baton-close").focus();
    whenSeen(dialog, answer);
  }

  function render(slot, answer) {
    slot.textContent = "";
    if (!answer || !answer.content) return;
    if (answer.kind === "popup") return popup(answer);
    var box = card(answer, answer.kind === "banner" ? function () { box.remove(); } : null);
    if (answer.kind === "banner") box.setAttribute("role", "region");
    slot.appendChild(box);
    whenSeen(box, answer);
  }

  function decide() {
    var slots = document.querySelectorAll("[data-baton-placement]");
    var keys = [];
    for (var i = 0; i < slots.length; i++) {
      var key = slots[i].getAttribute("data-baton-placement");
      if (keys.indexOf(key) < 0) keys.push(key);
    }
    var asks = [];
    for (var start = 0; start < keys.length; start += 10) {
      var query = ["writeKey=" + encodeURIComponent(settings.writeKey), "placement=" + encodeURIComponent(keys.slice(start, start + 10).join(","))];
      if (settings.userId) {
        query.push("userId=" + encodeURIComponent(settings.userId));
        query.push("userHash=" + encodeURIComponent(settings.userHash || ""));
      }
      var id = anonymousId();
      if (id) query.push("anonymousId=" + encodeURIComponent(id));
      asks.push(
        window.fetch(settings.host + "/v1/decide?" + query.join("&"), { credentials: "omit" })
          .then(function (response) { return response.ok ? response.json() : { placements: {} }; })
      );
    }
    return Promise.all(asks).then(function (answers) {
      var placements = {};
      answers.forEach(function (answer) {
        for (var key in answer.placements) placements[key] = answer.placements[key];
      });
      for (var j = 0; j < slots.length; j++) {
        render(slots[j], placements[slots[j].getAttribute("data-baton-placement")]);
      }
      return placements;
    });
  }

  window.Baton = {
    /* options: writeKey (a browser write key), host (Baton's address), userId and
     * userHash for a signed-in visitor, consent: true when the page already has it. */
    init: function (options) {
      settings = {
        writeKey: options.writeKey,
        host: String(options.host || "").replace(/\/+$/, ""),
        userId: options.userId || null,
        userHash: options.userHash || null
      };
      consented = options.consent === true && !privacySignal();
      if (!document.getElementById("baton-style")) {
        var style = element("style", null, CSS);
        style.id = "baton-style";
        document.head.appendChild(style);
      }
      return decide();
    },
    /* The visitor's choice, from the page's consent banner. Global Privacy Control is
     * a standing refusal that only this explicit call overrides. */
    consent: function (given) {
      consented = given === true;
      if (!consented) {
        memoryId = null;
        var store = storage();
        if (store) store.removeItem(ID_KEY);
      }
    },
    refresh: function () {
      return settings ? decide() : Promise.resolve({});
    }
  };
})(window, document);
