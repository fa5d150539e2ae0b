-- Rotates through a list of requests, one per line of a file:
-- METHOD<TAB>PATH[<TAB>BODY[<TAB>IF-NONE-MATCH]].
-- Usage: wrk -s bench/wrk/rotate.lua URL -- FILE [BEARER_KEY]
-- Each connection's thread starts at its own offset, so 32 connections touch 32 people
-- at once rather than the same one.

local requests = {}
local headers = {}
local counter = 0

function init(args)
  local file = args[1]
  if file == nil then
    error("rotate.lua needs the request file: wrk -s rotate.lua URL -- FILE [KEY]")
  end
  for line in io.lines(file) do
    local method, path, rest = line:match("^(%u+)\t([^\t]+)\t?(.*)$")
    if method ~= nil then
      local body, tag = rest:match("^([^\t]*)\t(.*)$")
      if body == nil then body = rest end
      if body == "" then body = nil end
      if tag == "" then tag = nil end
      requests[#requests + 1] = { method, path, body, tag }
    end
  end
  if #requests == 0 then
    error("no requests in " .. file)
  end
  if args[2] ~= nil and args[2] ~= "" then
    headers["Authorization"] = "Bearer " .. args[2]
  end
  headers["Content-Type"] = "application/json"
  counter = math.random(#requests)
end

function request()
  counter = counter + 1
  local r = requests[(counter % #requests) + 1]
  if r[4] ~= nil then
    local tagged = {}
    for k, v in pairs(headers) do tagged[k] = v end
    tagged["If-None-Match"] = r[4]
    return wrk.format(r[1], r[2], tagged, r[3])
  end
  return wrk.format(r[1], r[2], headers, r[3])
end
