// Lookups by name: the text box is an ARIA combobox (WAI-ARIA APG "combobox with listbox
// popup"). Typing searches Bigin and the queued rows; Down/Up move through the matches,
// Enter picks, Escape closes the list (a second Escape clears the text). The chosen record's
// ID (or row:<pk>) goes to the hidden input; the person sees its name. Without this file the
// "Find" button does the same through the server.
(function () {
  "use strict";

  var DELAY = 250;

  function parts(box) {
    return {
      value: box.querySelector("[data-lookup-value]"),
      search: box.querySelector("[data-lookup-search]"),
      list: box.querySelector(".lookup-box"),
      label: box.querySelector("[data-lookup-label]"),
      chosen: box.querySelector("[data-lookup-chosen]"),
      multiple: box.hasAttribute("data-multiple"),
    };
  }

  function options(p) {
    return Array.prototype.slice.call(p.list.querySelectorAll("[role=option]"));
  }

  function close(p) {
    p.list.hidden = true;
    p.search.setAttribute("aria-expanded", "false");
    p.search.removeAttribute("aria-activedescendant");
  }

  function open(p) {
    p.list.hidden = false;
    p.search.setAttribute("aria-expanded", "true");
  }

  function highlight(p, index) {
    var all = options(p);
    all.forEach(function (o, i) {
      var on = i === index;
      o.classList.toggle("active", on);
      o.setAttribute("aria-selected", on ? "true" : "false");
    });
    if (index >= 0 && all[index]) {
      p.search.setAttribute("aria-activedescendant", all[index].id);
      all[index].scrollIntoView({ block: "nearest" });
    } else {
      p.search.removeAttribute("aria-activedescendant");
    }
  }

  function current(p) {
    var all = options(p);
    for (var i = 0; i < all.length; i++) {
      if (all[i].classList.contains("active")) return i;
    }
    return -1;
  }

  function refs(p) {
    return p.value.value.split(",").map(function (s) { return s.trim(); }).filter(Boolean);
  }

  function addChip(p, value, label) {
    var item = document.createElement("li");
    item.className = "d-inline-flex align-items-center gap-1 me-2 badge text-bg-light border";
    item.setAttribute("data-value", value);
    var name = document.createElement("span");
    name.textContent = label;
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "btn btn-sm btn-link p-0";
    remove.setAttribute("data-lookup-remove", value);
    remove.setAttribute("aria-label", "Remove " + label);
    remove.textContent = "remove";
    item.appendChild(name);
    item.appendChild(remove);
    p.chosen.appendChild(item);
  }

  function pick(box, option) {
    var p = parts(box);
    var value = option.getAttribute("data-value");
    var label = option.getAttribute("data-label");
    if (p.multiple) {
      var list = refs(p);
      if (list.indexOf(value) === -1) {
        list.push(value);
        addChip(p, value, label);
      }
      p.value.value = list.join(", ");
      p.search.value = "";
    } else {
      p.value.value = value;
      p.search.value = label;
      if (p.label) p.label.textContent = "Chosen: " + label;
    }
    // Related_To: the record's module is known now, so say it.
    var moduleFrom = box.getAttribute("data-module-from");
    var module = option.getAttribute("data-module");
    if (moduleFrom && module) {
      var select = box.closest("form").querySelector("[name='" + moduleFrom + "']");
      if (select && select.value !== module) {
        select.value = module;
        select.setAttribute("data-set-by-pick", "1");
      }
    }
    close(p);
    p.value.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function search(box) {
    var p = parts(box);
    var text = p.search.value.trim();
    if (text.length < 2) {
      p.list.innerHTML = "";
      close(p);
      return;
    }
    var url = new URL(box.getAttribute("data-search-url"), window.location.href);
    url.searchParams.set("q", text);
    url.searchParams.set("list", p.list.id);
    var moduleFrom = box.getAttribute("data-module-from");
    if (moduleFrom) {
      var select = box.closest("form").querySelector("[name='" + moduleFrom + "']");
      if (select && select.value) url.searchParams.set(moduleFrom, select.value);
    }
    var asked = text;
    fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        if (p.search.value.trim() !== asked) return; // typed on meanwhile
        p.list.innerHTML = html;
        if (options(p).length || p.list.textContent.trim()) {
          open(p);
          highlight(p, options(p).length ? 0 : -1);
        } else {
          close(p);
        }
      })
      .catch(function () { close(p); });
  }

  var timers = new WeakMap();

  document.addEventListener("input", function (event) {
    var input = event.target.closest("[data-lookup-search]");
    if (!input) return;
    var box = input.closest("[data-lookup]");
    var p = parts(box);
    if (!p.multiple && p.value.value) {
      // Typing over a chosen name starts a new choice.
      p.value.value = "";
      if (p.label) p.label.textContent = "";
      // A related module the last pick chose (not the person) no longer holds: the new
      // search covers every module again.
      var moduleFrom = box.getAttribute("data-module-from");
      var select = moduleFrom && box.closest("form").querySelector("[name='" + moduleFrom + "']");
      if (select && select.hasAttribute("data-set-by-pick")) {
        select.value = "";
        select.removeAttribute("data-set-by-pick");
      }
    }
    clearTimeout(timers.get(box));
    timers.set(box, setTimeout(function () { search(box); }, DELAY));
  });

  // A related module chosen by the person is theirs to keep.
  document.addEventListener("change", function (event) {
    if (event.target.hasAttribute && event.target.hasAttribute("data-set-by-pick")) {
      event.target.removeAttribute("data-set-by-pick");
    }
  });

  document.addEventListener("keydown", function (event) {
    var input = event.target.closest("[data-lookup-search]");
    if (!input) return;
    var box = input.closest("[data-lookup]");
    var p = parts(box);
    var all = options(p);
    var at = current(p);
    if (event.key === "ArrowDown") {
      event.preventDefault();
      if (p.list.hidden) { search(box); return; }
      highlight(p, Math.min(at + 1, all.length - 1));
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      highlight(p, Math.max(at - 1, 0));
    } else if (event.key === "Enter") {
      // Enter in the box never submits the form: it picks the highlighted match.
      event.preventDefault();
      if (!p.list.hidden && at >= 0) pick(box, all[at]);
    } else if (event.key === "Escape") {
      if (!p.list.hidden) {
        event.preventDefault();
        close(p);
      } else if (input.value) {
        event.preventDefault();
        input.value = "";
        if (!p.multiple) {
          p.value.value = "";
          if (p.label) p.label.textContent = "";
        }
      }
    }
  });

  document.addEventListener("click", function (event) {
    var option = event.target.closest(".lookup-box [role=option][data-value]");
    if (option) {
      event.preventDefault();
      pick(option.closest("[data-lookup]"), option);
      return;
    }
    var remove = event.target.closest("[data-lookup-remove]");
    if (remove) {
      var box = remove.closest("[data-lookup]");
      var p = parts(box);
      var value = remove.getAttribute("data-lookup-remove");
      p.value.value = refs(p).filter(function (r) { return r !== value; }).join(", ");
      remove.closest("li").remove();
      return;
    }
    document.querySelectorAll("[data-lookup] .lookup-box:not([hidden])").forEach(function (list) {
      if (!list.closest("[data-lookup]").contains(event.target)) close(parts(list.closest("[data-lookup]")));
    });
  });

  // The no-JS "remove" checkboxes become buttons that act at once.
  function enhance(root) {
    root.querySelectorAll("[data-lookup-drop]").forEach(function (box) {
      var item = box.closest("li");
      var label = item.querySelector("span").textContent;
      box.closest("label").remove();
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "btn btn-sm btn-link p-0";
      remove.setAttribute("data-lookup-remove", item.getAttribute("data-value"));
      remove.setAttribute("aria-label", "Remove " + label);
      remove.textContent = "remove";
      item.appendChild(remove);
    });
  }
  enhance(document);
  document.body.addEventListener("htmx:afterSwap", function (event) { enhance(event.target); });
})();
