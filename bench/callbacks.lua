-- wrk script: a stream of distinct conversation_message_created callbacks.
-- wrk -s bench/callbacks.lua URL -- PATH SECRET CONVERSATION_ID[,ID...]
local threads = 0

function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

function init(args)
  path = args[1]
  secret = args[2]
  conversations = {}
  for id in string.gmatch(args[3], "[^,]+") do
    table.insert(conversations, id)
  end
  counter = 0
end

function request()
  counter = counter + 1
  local conversation = conversations[(counter % #conversations) + 1]
  local body = string.format(
    '{"name":"conversation_message_created","secret":"%s","data":{"conversationId":"%s",'
      .. '"message":{"text":"bench %d-%d","attachments":[]}}}',
    secret, conversation, tid, counter)
  return wrk.format("POST", path, {["Content-Type"] = "application/json"}, body)
end
