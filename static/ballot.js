/* Ranked ballot enhancement: a "Your ranking" list you can reorder with buttons (keyboard) or
   by dragging. It only sets the same rank selects the no-JavaScript ballot uses, so the server
   sees one format either way. Moves are announced with the new rank; focus stays on the button
   that was pressed, on the item that moved; a full ranking says so instead of dropping a choice;
   the budget meter follows the ranking. The panel stays hidden until something is ranked (it
   would only take room on a phone): only its hidden live region stays, so removals are still read out. */
(function () {
  "use strict";
  var form = document.getElementById("ballot");
  var panel = document.getElementById("ranking-panel");
  if (!form || !panel) { return; }
  var maxRanks = parseInt(form.getAttribute("data-max-ranks"), 10);
  var cards = Array.prototype.slice.call(form.querySelectorAll(".ballot-project"));
  var meter = document.getElementById("budget-meter");
  var bar = form.querySelector(".budget-bar");
  var live = document.createElement("p");
  live.className = "visually-hidden";
  live.setAttribute("aria-live", "polite");
  var notice = document.createElement("p");
  notice.className = "ranking-notice";
  notice.setAttribute("role", "status");

  function text(name) { return panel.getAttribute("data-" + name); }
  function fill(template, values) {
    Object.keys(values).forEach(function (k) { template = template.split("%(" + k + ")s").join(values[k]); });
    return template.replace("%(num)d", maxRanks);
  }
  function selectOf(card) { return card.querySelector("select"); }
  function titleOf(card) { return card.querySelector("h2").textContent.trim(); }

  function ranking() {
    return cards.filter(function (c) { return selectOf(c).value; })
      .sort(function (a, b) { return selectOf(a).value - selectOf(b).value; });
  }

  function money(cents) {
    var currency = meter.getAttribute("data-currency");
    try {
      var format = new Intl.NumberFormat(document.documentElement.lang || undefined,
                                         {style: "currency", currency: currency});
      var places = format.resolvedOptions().maximumFractionDigits;
      return format.format(cents / Math.pow(10, places));
    } catch (e) {
      return (cents / 100).toFixed(2) + " " + currency;
    }
  }

  function updateMeter(order) {
    if (!meter) { return; }
    var total = order.reduce(function (sum, c) { return sum + parseInt(c.getAttribute("data-cost"), 10); }, 0);
    var budget = parseInt(meter.getAttribute("data-budget"), 10);
    meter.querySelector(".meter-text").textContent = meter.getAttribute("data-text")
      .split("%(ranked)s").join(money(total)).split("%(budget)s").join(meter.getAttribute("data-budget-text"));
    meter.querySelector(".meter-over").hidden = total <= budget;
    if (bar) { bar.value = Math.min(total, budget); }
  }

  function announce(message) {
    // Cleared first so the same words said twice are still read out.
    live.textContent = "";
    window.setTimeout(function () { live.textContent = message; }, 50);
  }

  function apply(order, announceCard, focus) {
    cards.forEach(function (c) { selectOf(c).value = ""; });
    order.forEach(function (c, i) { selectOf(c).value = String(i + 1); });
    notice.textContent = "";
    render(order);
    if (announceCard) {
      var rank = order.indexOf(announceCard) + 1;
      announce(rank > 0 ? fill(text("moved"), {project: titleOf(announceCard), rank: rank})
                        : fill(text("removed"), {project: titleOf(announceCard)}));
    }
    if (focus) {
      var target = panel.querySelector('.ranking-list li[data-project="' + focus.card.getAttribute("data-project") +
                                       '"] [data-action="' + focus.action + '"]');
      if (target) { target.focus(); }
    }
  }

  function button(label, project, action, enabled, onClick) {
    // Short visible label; the project name is read out too, so each button is unambiguous.
    // An impossible move is aria-disabled rather than disabled, so focus can stay on it.
    var b = document.createElement("button");
    var hidden = document.createElement("span");
    b.type = "button";
    b.className = "button small secondary";
    b.setAttribute("data-action", action);
    b.textContent = label;
    hidden.className = "visually-hidden";
    hidden.textContent = ": " + project;
    b.appendChild(hidden);
    if (!enabled) { b.setAttribute("aria-disabled", "true"); }
    b.addEventListener("click", function () { if (enabled) { onClick(); } });
    return b;
  }

  function render(order) {
    order = order || ranking();
    panel.textContent = "";
    panel.classList.toggle("is-empty", !order.length);
    if (!order.length) {
      panel.appendChild(live);
      updateMeter(order);
      return;
    }
    var h = document.createElement("h2");
    h.textContent = text("title");
    panel.appendChild(h);
    var list = document.createElement("ol");
    list.className = "ranking-list";
    order.forEach(function (card, i) {
      var item = document.createElement("li");
      var title = titleOf(card);
      item.draggable = true;
      item.setAttribute("data-project", card.getAttribute("data-project"));
      var number = document.createElement("span");
      number.className = "rank-number";
      number.textContent = fill(text("rank"), {rank: i + 1});
      item.appendChild(number);
      var name = document.createElement("span");
      name.className = "ranking-name";
      name.setAttribute("dir", "auto");
      name.textContent = title;
      item.appendChild(name);
      var move = function (delta, action) {
        return function () {
          var next = order.slice();
          next.splice(i, 1);
          next.splice(i + delta, 0, card);
          apply(next, card, {card: card, action: action});
        };
      };
      var actions = document.createElement("span");
      actions.className = "ranking-actions";
      actions.appendChild(button(text("up"), title, "up", i > 0, move(-1, "up")));
      actions.appendChild(button(text("down"), title, "down", i < order.length - 1, move(1, "down")));
      actions.appendChild(button(text("remove"), title, "remove", true, function () {
        var next = order.filter(function (c) { return c !== card; });
        apply(next, card, null);
        // The last one removed hides the panel: focus goes back to that project's rank instead.
        var heading = panel.querySelector("h2");
        if (heading) { heading.tabIndex = -1; heading.focus(); } else { selectOf(card).focus(); }
      }));
      item.appendChild(actions);
      item.addEventListener("dragstart", function (e) { e.dataTransfer.setData("text/plain", String(i)); });
      item.addEventListener("dragover", function (e) { e.preventDefault(); });
      item.addEventListener("drop", function (e) {
        e.preventDefault();
        var from = parseInt(e.dataTransfer.getData("text/plain"), 10);
        var next = order.slice(), moved = next.splice(from, 1)[0];
        next.splice(i, 0, moved);
        apply(next, moved, null);
      });
      list.appendChild(item);
    });
    panel.appendChild(list);
    panel.appendChild(notice);
    panel.appendChild(live);
    updateMeter(order);
  }

  cards.forEach(function (card) {
    var select = selectOf(card);
    select.addEventListener("change", function () {
      // Choosing a rank in a select moves the others down instead of creating a duplicate.
      var order = ranking().filter(function (c) { return c !== card; });
      var value = parseInt(select.value, 10);
      if (value && order.length >= maxRanks) {
        // Full: say so and keep every choice, rather than silently dropping the last one.
        select.value = "";
        render(order);
        notice.textContent = fill(text("full"), {project: titleOf(card)});
        return;
      }
      if (value) { order.splice(Math.min(value - 1, order.length), 0, card); }
      apply(order, card, null);
    });
  });
  panel.hidden = false;
  render();
}());
